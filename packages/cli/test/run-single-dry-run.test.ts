import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readLockOwner } from '@mr/node-kit/lock';
import { describe, expect, it } from 'vitest';
import { eventually } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const { fixture, startRun } = runHarness();

/** bg-submit (a local batch system of the fixture) with a script that names the secret variable. */
const launch = `
executable = "bg-submit"
args = ["--partition=\${PARTITION:-cpu}", "--job-name=two words"]
status_command = ["bg-status"]
stdin = """
#!/bin/sh
# token: $MR_TEST_TOKEN
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
group_size = 2
timeout = 30
`;

describe('gitlab-meta-runner run-single --dry-run', { timeout: 120_000 }, () => {
  it('prints the launches it would make, secrets redacted, and launches and records nothing', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } }, launch });
    const jobs = f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['arm'] }]);
    const [a, b, c] = jobs.map((j) => j.id);

    const result = await f.cli(['run-single', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('dry run: nothing was launched');
    expect(out).toContain('pending jobs: 4 (matched: cpu 3; matching no instance: 1)');
    expect(out).toContain('would launch 2 runner(s):');
    expect(out).toContain(`cpu: 2 job(s): ${a}, ${b}`);
    expect(out).toContain(`cpu: 1 job(s): ${c}`);
    expect(out).toContain("command: bg-submit --partition=cpu '--job-name=two words'");
    expect(out).toMatch(
      /exec gitlab-runner run-single --config \S+meta\.gitlab-config\.toml --runner cpu --max-builds 2/,
    );
    expect(out).toContain('# token: [redacted]');
    expect(out + result.stderr).not.toContain(f.sim.token);

    expect(f.submitted()).toEqual([]);
    expect(existsSync(f.stateFile)).toBe(false);
    expect(existsSync(join(f.dataDir, 'meta.state.lock'))).toBe(false);
    expect(f.sim.jobs().filter((j) => j.status === 'pending')).toHaveLength(4);

    // Nothing was recorded: the real cycle launches all of it.
    const real = await f.cli(['run-single']);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/in_flight=2 launched=2 failed=0/);
    expect(f.submitted()).toHaveLength(2);
  });

  it('looks beside a running `run`: without its lock, naming it, from the state it saved', async () => {
    // A batch job that stays queued: the launch stays in flight, its job pending.
    const queued = `
executable = "sh"
args = ['-c', 'echo id-$$$$ | tee -a "$$BATCH_DIR/alive"']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queued });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const { child: run, stderr, cycles } = startRun(f, [], 110_000);
    await eventually(() => /^cycle .*launched=1/m.test(stderr()), 60_000, 'the launch of run');
    // A job no instance takes: run launches nothing for it, whenever it sees it.
    f.sim.addJobs([{ tags: ['arm'] }]);
    const lockFile = join(f.dataDir, 'meta.state.lock');
    const owner = (await readLockOwner(lockFile))!;
    expect(owner.purpose).toBe('gitlab-meta-runner run');

    const result = await f.cli(['run-single', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `\`gitlab-meta-runner run\` runs for this data directory (process ${owner.pid} on ${owner.host}, since ${owner.since}): read its launch state as last saved, without its lock`,
    );
    expect(result.stdout).toContain('pending jobs: 2 (matched: cpu 1; matching no instance: 1)');
    expect(result.stdout).toContain('runners in flight: 1');
    expect(result.stdout).toContain('would launch nothing');

    // run goes on, holding the same lock.
    const after = cycles();
    await eventually(() => cycles() > after, 60_000, 'a cycle of run after the dry run');
    expect((await readLockOwner(lockFile))?.token).toBe(owner.token);
    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(0);
    expect(stderr()).not.toContain('lost the launcher lock');
  });

  it('says it would launch nothing when no job is pending', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
    const result = await f.cli(['run-single', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('would launch nothing');
    expect(result.stdout).toContain('no launcher runs for this data directory');
    expect(existsSync(f.stateFile)).toBe(false);
  });
});

describe('a launch executable that does not exist', { timeout: 120_000 }, () => {
  it('is named with the PATH it was looked for in, and a hint', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: 'executable = "no-such-sbatch"\nbatch_system = "generic"\n',
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `The launch executable "no-such-sbatch" was not found in PATH (${f.env.PATH})`,
    );
    expect(result.stderr).toMatch(/hint=.*add its directory to the PATH/);
    expect(result.stderr).toContain('code=MR_LAUNCH_SPAWN');
  });

  it('is named as a path when [launch] executable is one', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: 'executable = "/nonexistent/bin/sbatch"\n',
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The launch executable /nonexistent/bin/sbatch does not exist');
  });
});
