import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLaunchers, launcherFor, reopen, setup } from '../test/launcher-harness.js';

afterAll(removeTempDirs);
afterEach(closeLaunchers);

describe('jobs that wait', () => {
  it('reports a job no instance can take once, not every cycle', async () => {
    const s = setup();
    s.jobs.push({ id: 7, tag_list: ['tpu'] }, { id: 8, tag_list: [] });
    let launcher = await launcherFor(s.options);
    await launcher.cycle();
    await launcher.cycle();
    launcher = await reopen(launcher);
    await launcher.cycle();
    const warnings = s.lines.filter((l) => l.level === 'warn' && /matches no runner|no tags/.test(l.message));
    expect(warnings.map((w) => w.fields?.job)).toEqual([7, 8]);
    expect(s.lines.filter((l) => l.message === 'cycle').every((l) => l.fields?.unmatched === 2)).toBe(true);
  });
});
