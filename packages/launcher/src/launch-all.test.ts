import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLaunchers, inst, launcherFor, setup } from '../test/launcher-harness.js';

afterAll(removeTempDirs);
afterEach(closeLaunchers);

describe('bounds', () => {
  it('never runs more launch commands at once than concurrency', async () => {
    const s = setup();
    const running = join(s.dir, 'running');
    const seen = join(s.dir, 'seen');
    s.options.launchSettings = () => ({
      executable: 'sh',
      args: [
        '-c',
        `mkdir -p ${running}; touch ${running}/$$; ls ${running} | wc -l >> ${seen}; sleep 0.2; rm ${running}/$$; echo $$`,
      ],
    });
    for (let id = 1; id <= 6; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor({ ...s.options, settings: { ...s.options.settings, concurrency: 2 } });
    expect((await launcher.cycle()).launched).toBe(6);
    const counts = readFileSync(seen, 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  });

  it('keeps within max_in_flight across cycles', async () => {
    const s = setup();
    s.options.settings = {
      ...s.options.settings,
      instances: [inst('cpu', { maxInFlight: 2 })],
      maxInFlight: 5,
    };
    for (let id = 1; id <= 5; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    expect((await launcher.cycle()).launched).toBe(2);
    s.batch.setAlive(['job-1', 'job-2']);
    expect((await launcher.cycle()).launched).toBe(0);
    s.batch.setAlive(['job-2']);
    expect((await launcher.cycle()).launched).toBe(1);
  });
});
