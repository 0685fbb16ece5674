// `run` killed with SIGKILL while its launch commands wait for a slow sbatch: the sbatch processes outlive it
// (launch commands lead their own process group) and submit later. A restarted `run` must count those
// launches as in flight until it knows, so that every launch makes exactly one batch job.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  batchDir,
  gatedRunning,
  installGatedSbatch,
  killGated,
  openGate,
  sbatchCalls as waiting,
  gatedLaunch as launch,
} from './gated-sbatch.js';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness({
  beforeClose: (f) => {
    killGated(f);
    openGate(f);
  },
});

const stateLaunches = (f: LaunchFixture): { id: string; batchJobId?: string }[] =>
  existsSync(f.stateFile) ? JSON.parse(readFileSync(f.stateFile, 'utf8')).launches : [];

const startRun = (f: LaunchFixture) => harness.startRun(f, ['-v']);

/**
 * One trial: two pending jobs, `run` starts two launches whose sbatch waits; SIGKILL `run`; restart it; let
 * it cycle twice while the orphaned sbatch calls still wait; open the gate. Returns the batch jobs made per
 * launch id of this trial (read by `jobsOf`).
 */
async function trial(
  f: LaunchFixture,
  jobsOf: () => Map<string, number>,
): Promise<{ sbatchCalls: number; jobs: number; launches: number }> {
  for (const name of readdirSync(batchDir(f)))
    if (name.startsWith('waiting.') || name === 'gate') rmSync(join(batchDir(f), name));
  const jobs = f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }]);
  const first = startRun(f);
  await eventually(() => waiting(f) === 2, 60_000, 'two sbatch calls waiting');
  first.child.kill('SIGKILL');
  await first.child;
  const launchIds = stateLaunches(f).map((l) => l.id);
  expect(launchIds).toHaveLength(2);

  const second = startRun(f);
  // A launch made again waits at the gate too (and holds up the cycle): either shows in time.
  await eventually(() => second.cycles() >= 2 || waiting(f) > 2, 60_000, 'two cycles after the restart');
  const callsBeforeGate = waiting(f);
  expect(callsBeforeGate, 'sbatch calls before the orphaned ones could submit').toBe(2);
  openGate(f);
  await eventually(
    () => stateLaunches(f).filter((l) => l.batchJobId).length >= 2,
    60_000,
    'the launches to be found by their launch ids',
  );
  const settled = second.cycles();
  await eventually(() => second.cycles() >= settled + 2, 60_000, 'two more cycles');
  second.child.kill('SIGTERM');
  expect((await second.child).exitCode).toBe(0);
  const made = jobsOf();
  for (const job of jobs) f.sim.cancelJob(job.id);
  return {
    sbatchCalls: waiting(f),
    jobs: [...made.values()].reduce((a, b) => a + b, 0),
    launches: stateLaunches(f).length,
  };
}

/** Batch jobs per launch id in `squeue`-style lines `id|state|comment`, for launches of `instance`. */
function jobsByLaunch(lines: string, instance: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines.split('\n')) {
    const comment = line.split('|')[2] ?? '';
    if (!comment.includes(`instance=${instance} `)) continue;
    const id = /launch=(\S+)/.exec(comment)?.[1];
    if (id) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

describe('a restart while launch commands still run', () => {
  it('makes exactly one batch job per launch over 10 trials of SIGKILL during a slow sbatch', async () => {
    const f = await harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
    installGatedSbatch(f, true);
    const queue = join(batchDir(f), 'queue');
    const trials = 10;
    let doubles = 0;
    for (let i = 0; i < trials; i++) {
      const result = await trial(f, () =>
        jobsByLaunch(existsSync(queue) ? readFileSync(queue, 'utf8') : '', 'cpu'),
      );
      expect(result).toEqual({ sbatchCalls: 2, jobs: 2, launches: 2 });
      doubles += result.jobs - 2;
      // The batch jobs end: the next trial starts with nothing in flight.
      rmSync(queue);
    }
    expect(doubles).toBe(0);
  }, 900_000);

  const noSlurm = slurmUnavailable();
  it.skipIf(noSlurm)(
    `makes exactly one Slurm job per launch over 3 trials on the real Slurm${noSlurm ? ` (skipped: ${noSlurm})` : ''}`,
    async () => {
      // A name of its own, so that batch jobs of other tests on the same Slurm are not counted.
      const instance = `crash${process.pid}`;
      const f = await harness.fixture({
        instances: { [instance]: { tags: ['cpu'] } },
        launch,
        env: { REAL_SBATCH: '/usr/bin/sbatch' },
      });
      installGatedSbatch(f, false);
      const squeue = () =>
        spawnSync('squeue', ['--noheader', '--format=%i|%T|%k'], { encoding: 'utf8', timeout: 30_000 })
          .stdout;
      let doubles = 0;
      try {
        for (let i = 0; i < 3; i++) {
          const result = await trial(f, () => jobsByLaunch(squeue(), instance));
          expect(result).toEqual({ sbatchCalls: 2, jobs: 2, launches: 2 });
          doubles += result.jobs - 2;
          cancelOurs(squeue(), instance);
          await eventually(() => jobsByLaunch(squeue(), instance).size === 0, 60_000, 'the held jobs to go');
        }
      } finally {
        // Orphaned sbatch calls still waiting submit now; once they are gone, their jobs are cancelled.
        openGate(f);
        await eventually(() => gatedRunning(f).length === 0, 60_000, 'the sbatch calls to end');
        cancelOurs(squeue(), instance);
      }
      expect(doubles).toBe(0);
    },
    600_000,
  );
});

function cancelOurs(lines: string, instance: string): void {
  for (const line of lines.split('\n'))
    if ((line.split('|')[2] ?? '').includes(`instance=${instance} `))
      spawnSync('scancel', [line.split('|')[0]!.trim()], { timeout: 30_000 });
}

function slurmUnavailable(): string | undefined {
  if (!existsSync('/usr/bin/sbatch')) return 'no /usr/bin/sbatch';
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
  if (ping.status !== 0 || !/UP/.test(ping.stdout)) return 'slurmctld does not answer';
  return undefined;
}
