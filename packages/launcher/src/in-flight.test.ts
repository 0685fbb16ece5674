import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLaunchers, launcherFor, reopen, setup } from '../test/launcher-harness.js';
import { youngestLaunchAge } from './in-flight.js';
import { emptyState, type LaunchRecord } from './state.js';

afterAll(removeTempDirs);
afterEach(closeLaunchers);

describe('launches in flight', () => {
  it('does not launch again for jobs whose launches are still queued, in the same process or after a restart', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] }, { id: 2, tag_list: ['cpu'] });
    let launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1', 'job-2']);
    expect((await launcher.cycle()).launched).toBe(0);
    launcher = await reopen(launcher);
    expect((await launcher.cycle()).launched).toBe(0);
    expect(s.batch.launches()).toHaveLength(2);
  });

  it('launches again when a batch job ended and its GitLab job is still pending', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1 R']);
    expect((await launcher.cycle()).launched).toBe(0);
    // The batch job died without taking the job.
    s.batch.setAlive([]);
    const result = await launcher.cycle();
    expect(result.launched).toBe(1);
    expect(s.batch.launches()).toHaveLength(2);
  });

  it('launches for a new job while an older launch is running with the job it took', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1 RUNNING']);
    s.jobs.splice(0, 1, { id: 2, tag_list: ['cpu'] });
    expect((await launcher.cycle()).launched).toBe(1);
  });

  it('without a status command, counts a launch until pickup_timeout, then launches again', async () => {
    const s = setup({ status: false });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.clock.now = new Date(s.clock.now.getTime() + 599_000);
    expect((await launcher.cycle()).launched).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 2_000);
    expect((await launcher.cycle()).launched).toBe(1);
  });

  it('times the youngest launch in flight, queued or running, for the poll pace; a launch that ended no longer counts', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.clock.now = new Date(s.clock.now.getTime() + 40_000);
    s.batch.setAlive(['job-1 RUNNING']);
    s.jobs.splice(0, 1, { id: 2, tag_list: ['cpu'] });
    await launcher.cycle();
    s.clock.now = new Date(s.clock.now.getTime() + 10_000);
    s.batch.setAlive(['job-1 RUNNING', 'job-2']);
    await launcher.cycle();
    expect(launcher.state.launches.map((l) => l.batchState)).toEqual(['running', 'queued']);
    expect(youngestLaunchAge(launcher.state, s.clock.now)).toBe(10_000);
    // The younger launch ends (its runner ran the job): the older one, still running, is the youngest.
    s.jobs.splice(0);
    s.batch.setAlive(['job-1 RUNNING']);
    await launcher.cycle();
    expect(youngestLaunchAge(launcher.state, s.clock.now)).toBe(50_000);
    s.batch.setAlive([]);
    await launcher.cycle();
    expect(youngestLaunchAge(launcher.state, s.clock.now)).toBeUndefined();
  });

  it('counts a launch still starting (its command runs) like a submitted one', () => {
    const now = new Date('2024-06-01T10:01:00Z');
    const launch = (launchedAt: string, more: Partial<LaunchRecord>): LaunchRecord => ({
      id: launchedAt,
      instance: 'cpu',
      numJobs: 1,
      jobIds: [1],
      launchedAt,
      phase: 'submitted',
      ...more,
    });
    const state = emptyState();
    state.launches.push(
      launch('2024-06-01T10:00:00Z', { batchState: 'running' }),
      launch('2024-06-01T10:00:30Z', { phase: 'starting' }),
      launch('2024-06-01T10:00:20Z', { batchState: 'queued' }),
    );
    expect(youngestLaunchAge(state, now)).toBe(30_000);
  });
});
