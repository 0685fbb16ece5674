// Per-job resources end to end on the real one-node Slurm (scripts/slurm/start.sh starts one; CI runs it): a
// job tagged cpus=2 → `gitlab-meta-runner run` registers the runner of that set → sbatch --cpus-per-task=2 →
// the stand-in gitlab-runner inside the batch job, started for that runner, takes the job. Skipped, with the
// reason in the test name, where Slurm is not up.
import { slurmUnavailable } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/launch-fixture.js';
import { recordedLaunches, slurm, slurmRunHarness } from '../../test/slurm-run-harness.js';

const unavailable = slurmUnavailable();

const { fixture, startRun } = slurmRunHarness();

/** Held launches sized by the job's resources. */
const sizedLaunch = `
executable = "sbatch"
args = ["--parsable", "--hold", "--cpus-per-task=$CPUS", "--output=$HOME/launch/slurm-%j.out"]
workdir = "$HOME/launch"
stdin = """
#!/bin/bash
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 60
`;

const flex = {
  tags: ['slurm'],
  extra: `[runners.flex.resources]
cpus = { default = "1", max = 2 }`,
};

describe.skipIf(unavailable)(
  `per-job resources on Slurm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  { timeout: 180_000 },
  () => {
    it('submits a job tagged cpus=2 with --cpus-per-task=2, and the runner registered for its set takes it', async () => {
      const f = await fixture({ instances: { flex }, launch: sizedLaunch, interval: 0.3 });
      const [job] = f.sim.addJobs([{ tags: ['slurm', 'cpus=2'] }]);
      const run = startRun(f);
      await eventually(() => recordedLaunches(f).some((l) => l.batchJobId), 60_000, 'a launch');
      const id = recordedLaunches(f)[0]!.batchJobId!;
      // Slurm holds the batch job as submitted: two CPUs for the one task, named after the resource runner.
      const [cpus, name] = slurm('squeue', ['--noheader', '--jobs', id, '--format=%C|%j']).trim().split('|');
      expect(cpus).toBe('2');
      expect(name).toBe('meta-flex.cpus-2');
      expect(
        f.sim
          .runners()
          .map((r) => r.tags.join(','))
          .sort(),
      ).toEqual(['slurm', 'slurm,cpus=2']);

      slurm('scontrol', ['release', id]);
      await f.sim.waitFor(() => f.sim.job(job!.id)?.status === 'success', {
        timeoutMs: 90_000,
        description: 'the job to succeed',
      });
      await eventually(() => f.runnerRuns().length === 1, 30_000, 'the runner to exit');
      run.child.kill('SIGTERM');
      expect((await run.child).exitCode).toBe(0);
      const [runner] = f.runnerRuns();
      expect(runner!.jobs).toEqual([job!.id]);
      expect(runner!.argv.join(' ')).toContain('--runner flex.cpus-2');
    });
  },
);
