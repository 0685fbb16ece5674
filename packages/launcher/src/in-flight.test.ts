import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLaunchers, launcherFor, reopen, setup } from '../test/launcher-harness.js';

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
});
