// Per-job resources end to end on the real one-node Slurm (scripts/slurm/start.sh starts one; CI runs it): a
// job tagged cpus=2 → `gitlab-meta-runner run` registers the runner of that set → sbatch --cpus-per-task=2 →
// the stand-in gitlab-runner inside the batch job, started for that runner, takes the job. Skipped, with the
// reason in the test name, where Slurm is not up.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** Our batch jobs: id → state, for jobs whose comment carries the launcher's tag for `meta`. */
function ourJobs(): Map<string, string> {
  const jobs = new Map<string, string>();
  for (const line of slurm('squeue', ['--noheader', '--format=%i|%T|%k']).split('\n')) {
    const [id, state, comment] = line.split('|');
    if (id && state && comment?.startsWith('gitlab-meta-runner name=meta ')) jobs.set(id, state);
  }
  return jobs;
}

const fixtures: LaunchFixture[] = [];
const processes: { kill(signal?: NodeJS.Signals): boolean }[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  for (const id of ourJobs().keys()) spawnSync('scancel', [id]);
  for (const f of fixtures.splice(0)) await f.close();
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
      await eventually(() => state(f).some((l) => l.batchJobId), 60_000, 'a launch');
      const id = state(f)[0]!.batchJobId!;
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
