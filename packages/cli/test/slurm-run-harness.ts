// What the CLI's tests on the real one-node Slurm share: Slurm commands that fail loudly, the batch jobs of
// one fixture (others on the same Slurm launch as `meta` too), and `run` processes and fixtures that are
// stopped, cancelled and closed after each test.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

/** Runs a Slurm command; throws with its stderr when it fails. */
export function slurm(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * The batch jobs of one fixture: id → state, for jobs whose comment carries the launcher's tag for `meta` and
 * whose working directory is the fixture's `launch` directory.
 */
export function fixtureJobs(f: LaunchFixture): Map<string, string> {
  const jobs = new Map<string, string>();
  const workdir = join(f.dir, 'launch');
  for (const line of slurm('squeue', ['--noheader', '--format=%i|%T|%Z|%k']).split('\n')) {
    const [id, state, dir, ...comment] = line.split('|');
    if (id && state && dir === workdir && comment.join('|').startsWith('gitlab-meta-runner name=meta '))
      jobs.set(id, state);
  }
  return jobs;
}

/** The launches recorded in a fixture's state file. */
export const recordedLaunches = (f: LaunchFixture): { batchJobId?: string }[] =>
  existsSync(f.stateFile)
    ? (JSON.parse(readFileSync(f.stateFile, 'utf8')) as { launches: { batchJobId?: string }[] }).launches
    : [];

/**
 * Registers the hooks that clean up after each test of the calling file (SIGKILL to every `run` started,
 * scancel of the fixture's batch jobs, fixture closed) and returns the functions that make them.
 */
export function slurmRunHarness() {
  const harness = runHarness({
    beforeClose: (f) => {
      for (const id of fixtureJobs(f).keys()) spawnSync('scancel', [id]);
    },
  });
  return {
    fixture: harness.fixture,
    /** `gitlab-meta-runner run` in the background, its stderr collected. */
    startRun: (f: LaunchFixture) => harness.startRun(f),
  };
}
