// `status` after `run` was killed with SIGKILL while a launch command waited for a slow sbatch: the launch is
// still starting (its command runs on this host), not ended, until its batch job appears.
import { existsSync, readFileSync } from 'node:fs';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  installGatedSbatch,
  killGated,
  openGate,
  sbatchCalls,
  gatedLaunch as launch,
} from './gated-sbatch.js';
import { eventually, type LaunchFixture, launchFixture } from './launch-fixture.js';

afterAll(removeTempDirs);

const stateLaunches = (
  f: LaunchFixture,
): { id: string; phase: string; batchJobId?: string; command?: { pid: number } }[] =>
  existsSync(f.stateFile) ? JSON.parse(readFileSync(f.stateFile, 'utf8')).launches : [];

interface InFlight {
  phase: string;
  live_state?: string;
  batch_job_id?: string;
  launch_command?: { pid: number; state: string };
}

async function statusJson(f: LaunchFixture): Promise<InFlight[]> {
  const result = await f.cli(['status', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout).in_flight;
}

describe('status after a crash during a slow sbatch', () => {
  it('shows the launch as starting while its sbatch still runs, then as queued once its batch job exists', async () => {
    const f = await launchFixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
    const started: { kill(signal?: NodeJS.Signals): boolean }[] = [];
    // Even when an assertion fails: no gated sbatch and no `run` outlives the test.
    onTestFinished(async () => {
      for (const p of started) p.kill('SIGKILL');
      killGated(f);
      await f.close();
    });
    installGatedSbatch(f, true);
    f.sim.addJobs([{ tags: ['cpu'] }]);

    const first = f.cli(['run', '-v'], { timeout: 170_000 });
    started.push(first);
    await eventually(() => sbatchCalls(f) === 1, 60_000, 'the sbatch call to wait');
    // Its command's process is recorded just after it starts: kill once it is (found by pid and start time).
    await eventually(() => !!stateLaunches(f)[0]?.command, 60_000, 'the launch command to be recorded');
    first.kill('SIGKILL');
    await first;
    const [recorded] = stateLaunches(f);
    expect(recorded).toMatchObject({ phase: 'starting' });

    // The launcher is gone, its sbatch waits: the launch is starting, not ended.
    const [starting] = await statusJson(f);
    expect(starting).toMatchObject({
      phase: 'starting',
      live_state: 'starting',
      launch_command: { state: 'running', pid: recorded!.command!.pid },
    });
    const text = await f.cli(['status']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('launcher: not running');
    expect(text.stdout).toContain(
      `now: its launch command still runs (process ${starting!.launch_command!.pid} on`,
    );
    expect(text.stdout).not.toContain('ended');

    // The sbatch submits; status finds the batch job by its launch id before any launcher runs again.
    openGate(f);
    await eventually(() => existsSync(`${f.env.BATCH_DIR}/queue`), 60_000, 'the batch job to be submitted');
    expect(await statusJson(f)).toEqual([
      expect.objectContaining({ phase: 'starting', live_state: 'queued' }),
    ]);

    // A new run finds it by its launch id and records its batch job.
    const second = f.cli(['run', '-v'], { timeout: 170_000 });
    started.push(second);
    await eventually(() => !!stateLaunches(f)[0]?.batchJobId, 60_000, 'run to find the batch job');
    second.kill('SIGTERM');
    expect((await second).exitCode).toBe(0);
    const [found] = await statusJson(f);
    expect(found).toMatchObject({ phase: 'submitted', live_state: 'queued' });
    expect(found!.batch_job_id).toBe(readFileSync(`${f.env.BATCH_DIR}/queue`, 'utf8').split('|')[0]);
    expect(sbatchCalls(f)).toBe(1);
    const after = await f.cli(['status']);
    expect(after.stdout).toMatch(new RegExp(`batch job ${found!.batch_job_id}, queued, .*; now: queued`));
  });
});
