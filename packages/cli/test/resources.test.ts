import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTokens, tokensFilePath } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** An instance with resources; resource runners idle for 30 s are deleted. */
const flex = {
  tags: ['slurm'],
  extra: `resource_runner_idle = "30s"
[runners.flex.resources]
cpus = { default = "1", max = 8 }
gpus = { default = "0", max = 2 }
time = "01:00:00"`,
};

/**
 * The local batch system, with the batch arguments of the example: the wrapper records them (what
 * sbatch would get), then bg-submit runs the script, which starts the stand-in runner for `$NAME`.
 */
const sizedLaunch = `
executable = "sh"
args = ['-c', 'echo "$$*" >> "$$BATCH_DIR/args"; exec bg-submit', 'submit', '--cpus-per-task=$CPUS', '--gres=gpu:$GPUS', '--time=$TIME', '--job-name=$NAME']
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 30
`;

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

const startRun = (f: LaunchFixture) => harness.startRun(f, ['-v']);

describe('per-job resources from job tags', () => {
  it('launches each resource set with its values through its own runner, refuses what the instance cannot give, and deletes idle resource runners', async () => {
    const f = await harness.fixture({ instances: { flex }, launch: sizedLaunch });
    const generated = join(f.dataDir, 'meta.gitlab-config.toml');
    const jobs = f.sim.addJobs([
      { tags: ['slurm'] },
      { tags: ['slurm', 'cpus=4'] },
      { tags: ['slurm', 'cpus=4', 'gpus=2'] },
      { tags: ['slurm', 'cpus=4'] },
    ]);
    const [tooBig, undeclared] = f.sim.addJobs([
      { tags: ['slurm', 'cpus=16'] },
      { tags: ['slurm', 'mem=4G'] },
    ]);
    const run = startRun(f);
    await f.sim.waitFor(() => jobs.every((j) => f.sim.job(j.id)?.status === 'success'), {
      timeoutMs: 120_000,
      description: 'every job the instance can give resources to succeeds',
    });

    // The batch command saw each set's values; the defaults where a job named none.
    const args = lines(join(f.env.BATCH_DIR!, 'args'));
    expect(args).toContain('--cpus-per-task=1 --gres=gpu:0 --time=01:00:00 --job-name=flex');
    expect(args).toContain('--cpus-per-task=4 --gres=gpu:2 --time=01:00:00 --job-name=flex.cpus-4.gpus-2');
    expect(args.filter((a) => a.endsWith('--job-name=flex.cpus-4')).length).toBeGreaterThanOrEqual(1);
    expect(args.every((a) => !a.includes('cpus-per-task=16'))).toBe(true);

    // One runner per resource set in GitLab, with the instance's tags plus the resource tags, and the
    // maximum_timeout of its time (1 h less a minute).
    const byTags = new Map(f.sim.runners().map((r) => [r.tags.join(','), r]));
    expect(byTags.get('slurm,cpus=4')?.maximumTimeout).toBe(3540);
    expect(byTags.get('slurm,cpus=4,gpus=2')?.runUntagged).toBe(false);
    expect(byTags.get('slurm')?.maximumTimeout).toBe(3540);
    // The job asking for gpus was taken by the runner made for its set, which is in the generated config.
    // (A runner's run is recorded when it exits, a little after its job.)
    await eventually(
      () => f.runnerRuns().some((r) => r.jobs.includes(jobs[2]!.id)),
      60_000,
      'the runner of the gpu job to exit',
    );
    const gpuRun = f.runnerRuns().find((r) => r.jobs.includes(jobs[2]!.id));
    expect(gpuRun?.argv.join(' ')).toContain('--runner flex.cpus-4.gpus-2');

    // Refused jobs: reported once with the reason, never launched, still pending; status shows them.
    expect(f.sim.job(tooBig!.id)?.status).toBe('pending');
    expect(f.sim.job(undeclared!.id)?.status).toBe('pending');
    const refusals = (text: string) => text.split('\n').filter((l) => l.includes('refused, never launched'));
    await eventually(() => /cycle .*launched=0/.test(run.stderr()), 60_000, 'a quiet cycle');
    expect(refusals(run.stderr())).toHaveLength(2);
    expect(run.stderr()).toMatch(/refused, never launched: instance flex: cpus: "16" is above max 8/);
    expect(run.stderr()).toMatch(
      /refused, never launched: instance flex: mem is not a resource of instance flex/,
    );
    // Stopped, the launcher deletes nothing while status and configure look at its runners.
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);

    const status = await f.cli(['status']);
    expect(status.stdout).toMatch(
      /resource runners .*:\n.*flex\.cpus-4: instance flex, tags slurm, cpus=4, maximum_timeout 3540 s/,
    );
    expect(status.stdout).toContain(
      `job ${tooBig!.id} (tags slurm, cpus=16): instance flex: cpus: "16" is above max 8`,
    );
    expect(status.stdout).not.toMatch(/flex\.cpus-4: .*configure` deletes it/);
    const json = JSON.parse((await f.cli(['status', '--json'])).stdout);
    expect(json.resource_runners.map((r: { name: string }) => r.name).sort()).toEqual([
      'flex.cpus-4',
      'flex.cpus-4.gpus-2',
    ]);

    // configure keeps them (they are not instances of the config) and writes them into the config again.
    const configured = await f.cli(['configure']);
    expect(configured.exitCode).toBe(0);
    expect(configured.stdout).toContain('resource runner kept: flex.cpus-4 (tags slurm, cpus=4)');
    expect(readFileSync(generated, 'utf8')).toContain('name = "flex.cpus-4.gpus-2"');

    // Unused for resource_runner_idle, they are deleted in GitLab and from the generated config.
    const again = startRun(f);
    await eventually(
      () => f.sim.runners().every((r) => r.tags.join(',') === 'slurm'),
      150_000,
      'the idle resource runners to be deleted',
    );
    await eventually(
      () => !readFileSync(generated, 'utf8').includes('flex.cpus-4'),
      30_000,
      'config rewritten',
    );
    expect(again.stderr()).toMatch(/deleted an idle resource runner .*runner=flex\.cpus-4/);
    again.child.kill('SIGTERM');
    expect((await again.child).exitCode).toBe(0);
  }, 300_000);

  it('registers a resource runner again when GitLab refuses its token (the runner was deleted in GitLab)', async () => {
    const f = await harness.fixture({
      instances: { flex: { ...flex, extra: flex.extra.replace('"30s"', '"10m"') } },
      launch: sizedLaunch,
    });
    const [first] = f.sim.addJobs([{ tags: ['slurm', 'cpus=4'] }]);
    const run = startRun(f);
    await f.sim.waitFor(() => f.sim.job(first!.id)?.status === 'success', {
      timeoutMs: 120_000,
      description: 'the first cpus=4 job succeeds through its resource runner',
    });
    const tokensFile = tokensFilePath(f.dataDir, 'meta');
    const before = (await readTokens(tokensFile))['flex.cpus-4']!;
    // Someone deletes that runner in GitLab while run runs; then another job asks for the same set. The
    // launch made for it with the refused token takes nothing (the stand-in idles like gitlab-runner).
    expect(f.sim.removeRunner(before.id)).toBe(true);
    const [second] = f.sim.addJobs([{ tags: ['slurm', 'cpus=4'] }]);
    await f.sim.waitFor(() => f.sim.job(second!.id)?.status === 'success', {
      timeoutMs: 120_000,
      description: 'the second cpus=4 job succeeds through a runner registered again',
    });
    const after = (await readTokens(tokensFile))['flex.cpus-4']!;
    expect(after.id).not.toBe(before.id);
    expect(f.sim.runners().find((r) => r.id === after.id)?.tags).toEqual(['slurm', 'cpus=4']);
    const stderr = run.stderr();
    expect(
      stderr.match(
        /GitLab refuses the runner token of resource runner flex\.cpus-4 .*: it is registered again/g,
      ),
    ).toHaveLength(1);
    const forgotten = [
      ...stderr.matchAll(/launch no longer counted: GitLab refuses its runner token .*batch_job=(\d+)/g),
    ].map((m) => Number(m[1]));
    expect(forgotten).toHaveLength(1);
    harness.killAfter({ kill: (signal) => process.kill(forgotten[0]!, signal) });
    expect(stderr).toMatch(/deleted a resource runner whose token GitLab refuses .*runner=flex\.cpus-4/);
    expect(stderr).not.toContain('GitLab refuses the runner token of instance');
    for (const token of [before.token, after.token]) expect(stderr).not.toContain(token);
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);

    // A dry run sees the next refusal and changes nothing: no runner deleted or registered, no launch.
    expect(f.sim.removeRunner(after.id)).toBe(true);
    f.sim.addJobs([{ tags: ['slurm', 'cpus=4'] }]);
    const submitted = f.submitted().length;
    const dry = await f.cli(['run-single', '--dry-run', '-v']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stderr).toMatch(/GitLab refuses the runner token of resource runner flex\.cpus-4/);
    expect(dry.stderr).not.toMatch(/deleted a resource runner|registered a resource runner/);
    expect((await readTokens(tokensFile))['flex.cpus-4']).toEqual(after);
    expect(f.sim.runners().filter((r) => r.tags.includes('cpus=4'))).toEqual([]);
    expect(f.submitted()).toHaveLength(submitted);
  }, 300_000);
});
