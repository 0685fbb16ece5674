// End to end on a real one-node Slurm (scripts/slurm/start.sh starts one; CI runs it): pending jobs in the
// GitLab simulator → `gitlab-meta-runner run` → sbatch → the stand-in gitlab-runner inside the batch job takes
// the jobs from the simulator. Skipped, with the reason in the test name, where Slurm is not up.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { slurmUnavailable } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/launch-fixture.js';
import { fixtureJobs, recordedLaunches, slurm, slurmRunHarness } from '../../test/slurm-run-harness.js';

const unavailable = slurmUnavailable();

const { fixture, startRun } = slurmRunHarness();

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
      await eventually(() => recordedLaunches(f).some((l) => l.batchJobId), 30_000, 'a first launch');
      const first = recordedLaunches(f)[0]!.batchJobId!;
      expect(fixtureJobs(f).get(first)).toBe('PENDING');
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
      expect(fixtureJobs(f).size).toBe(1);

      // Someone cancels the queued batch job: its GitLab job is still pending, so it is launched again.
      slurm('scancel', [first]);
      await eventually(
        () => recordedLaunches(f).some((l) => l.batchJobId && l.batchJobId !== first),
        30_000,
        'a new launch after scancel',
      );
      const second = recordedLaunches(f).find((l) => l.batchJobId !== first)!.batchJobId!;
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
      await eventually(() => recordedLaunches(f).some((l) => l.batchJobId), 30_000, 'a launch');
      const id = recordedLaunches(f)[0]!.batchJobId!;
      f.sim.cancelJob(job!.id);
      await eventually(() => !fixtureJobs(f).has(id), 30_000, 'the launch to be cancelled');
      await eventually(
        () => /cancelled a queued launch: all of its jobs are gone/.test(run.stderr()),
        10_000,
        'the log',
      );
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      expect(recordedLaunches(f)).toEqual([]);
    });
  },
);
