// End to end on a real one-node Slurm (scripts/slurm/start.sh starts one; CI runs it): pending jobs in the
// GitLab simulator → `gitlab-meta-runner run` → sbatch → the stand-in gitlab-runner inside the batch job takes
// the jobs from the simulator. Skipped, with the reason in the test name, where Slurm is not up.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, slurmUnavailable } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  type FixtureOptions,
  type LaunchFixture,
  launchFixture,
} from '../../test/launch-fixture.js';

const unavailable = slurmUnavailable();

const slurm = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
};

/**
 * The batch jobs of one fixture: id → state, for jobs whose comment carries the launcher's tag for `meta` and
 * whose working directory is the fixture's (other tests on the same Slurm launch as `meta` too).
 */
function ourJobs(f: LaunchFixture): Map<string, string> {
  const jobs = new Map<string, string>();
  const workdir = join(f.dir, 'launch');
  for (const line of slurm('squeue', ['--noheader', '--format=%i|%T|%Z|%k']).split('\n')) {
    const [id, state, dir, ...comment] = line.split('|');
    if (id && state && dir === workdir && comment.join('|').startsWith('gitlab-meta-runner name=meta '))
      jobs.set(id, state);
  }
  return jobs;
}

const fixtures: LaunchFixture[] = [];
const processes: { kill(signal?: NodeJS.Signals): boolean }[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  for (const f of fixtures.splice(0)) {
    for (const id of ourJobs(f).keys()) spawnSync('scancel', [id]);
    await f.close();
  }
});
afterAll(removeTempDirs);

async function fixture(options: FixtureOptions): Promise<LaunchFixture> {
  const f = await launchFixture(options);
  fixtures.push(f);
  return f;
}

function startRun(f: LaunchFixture) {
  const child = f.cli(['run'], { timeout: 170_000 });
  processes.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, stderr: () => stderr };
}

const state = (f: LaunchFixture) =>
  existsSync(f.stateFile)
    ? (JSON.parse(readFileSync(f.stateFile, 'utf8')) as { launches: { batchJobId?: string }[] }).launches
    : [];

/** The [launch] section of the original tool's example config, unchanged. */
const originalExampleLaunch = `
executable = "sbatch"
args = []
workdir = "$HOME/launch"
stdin = """
#!/bin/bash
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 300
group_size = 1
`;

/** Launches that stay queued (held) until the test releases them. */
const heldLaunch = (extra = '') => `
executable = "sbatch"
args = ["--parsable", "--hold", "--output=$HOME/launch/slurm-%j.out"]
workdir = "$HOME/launch"
stdin = """
#!/bin/bash
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 60
${extra}
`;

describe.skipIf(unavailable)(
  `end to end on Slurm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  { timeout: 180_000 },
  () => {
    it('runs the original example [launch] unchanged: every pending job is taken by exactly one batch-launched runner', async () => {
      const f = await fixture({
        instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'], launch_priority: 10 } },
        launch: originalExampleLaunch,
        interval: 0.5,
      });
      // Two jobs of one instance: either runner may take either job; a runner that took the other launch's
      // job and ended hands its own job to that launch, so nothing is launched twice.
      const jobs = f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['gpu'] }]);
      const run = startRun(f);
      await f.sim.waitFor(() => f.sim.jobs({ status: 'success' }).length === jobs.length, {
        timeoutMs: 90_000,
        description: 'every job to succeed',
      });
      await eventually(() => f.runnerRuns().length === jobs.length, 30_000, 'every runner to exit');
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      expect(f.takenJobs().sort()).toEqual(jobs.map((j) => j.id).sort());
      // One sbatch per job: nothing was launched twice.
      const launchedLines = run
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('cycle '));
      const launched = launchedLines.reduce((n, l) => n + Number(/launched=(\d+)/.exec(l)?.[1] ?? 0), 0);
      expect(launched).toBe(jobs.length);
      // sbatch ran in the expanded workdir, where Slurm wrote each batch job's output.
      const outputs = readdirSync(join(f.dir, 'launch')).filter((name) => /^slurm-\d+\.out$/.test(name));
      expect(outputs).toHaveLength(jobs.length);
    });

    it('launches again when a queued launch is cancelled, and finds its launches after losing the state file', async () => {
      const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: heldLaunch(), interval: 0.3 });
      const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
      let run = startRun(f);
      await eventually(() => state(f).some((l) => l.batchJobId), 30_000, 'a first launch');
      const first = state(f)[0]!.batchJobId!;
      expect(ourJobs(f).get(first)).toBe('PENDING');
      expect(slurm('squeue', ['--noheader', '--jobs', first, '--format=%j'])).toBe('meta-cpu\n');

      // Restart without the state file: the launch is found again by its Slurm comment, not launched twice.
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      rmSync(f.stateFile);
      run = startRun(f);
      await eventually(
        () => /found a launch missing from the state file/.test(run.stderr()),
        30_000,
        'recovery',
      );
      await eventually(() => /in_flight=1 launched=0/.test(run.stderr()), 30_000, 'a cycle counting it');
      expect(ourJobs(f).size).toBe(1);

      // Someone cancels the queued batch job: its GitLab job is still pending, so it is launched again.
      slurm('scancel', [first]);
      await eventually(
        () => state(f).some((l) => l.batchJobId && l.batchJobId !== first),
        30_000,
        'a new launch after scancel',
      );
      const second = state(f).find((l) => l.batchJobId !== first)!.batchJobId!;
      slurm('scontrol', ['release', second]);
      await f.sim.waitFor(() => f.sim.job(job!.id)?.status === 'success', {
        timeoutMs: 60_000,
        description: 'the job to succeed',
      });
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      expect(f.takenJobs()).toEqual([job!.id]);
    });

    it('with cancel_stale, cancels a queued launch whose GitLab job disappeared', async () => {
      const f = await fixture({
        instances: { cpu: { tags: ['cpu'] } },
        launch: heldLaunch('cancel_stale = true'),
        interval: 0.3,
      });
      const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
      const run = startRun(f);
      await eventually(() => state(f).some((l) => l.batchJobId), 30_000, 'a launch');
      const id = state(f)[0]!.batchJobId!;
      f.sim.cancelJob(job!.id);
      await eventually(() => !ourJobs(f).has(id), 30_000, 'the launch to be cancelled');
      await eventually(
        () => /cancelled a queued launch: all of its jobs are gone/.test(run.stderr()),
        10_000,
        'the log',
      );
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      expect(state(f)).toEqual([]);
    });
  },
);
