import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { emptyState } from './state.js';
import {
  type Line,
  closeLaunchers,
  launcherFor,
  recordingLogger,
  reopen,
  setup,
} from '../test/launcher-harness.js';
import { reportUnmatched } from './waiting-jobs.js';

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

  it('summarises many new unmatched jobs in one warning per reason, with five examples', () => {
    const lines: Line[] = [];
    const state = emptyState();
    const jobs = [
      ...Array.from({ length: 3000 }, (_, i) => ({ id: 1 + i, name: `build ${i}`, tag_list: ['tpu'] })),
      ...Array.from({ length: 2000 }, (_, i) => ({ id: 5001 + i, name: 'lint', tag_list: [] })),
      ...Array.from({ length: 70 }, (_, i) => ({
        id: 8001 + i,
        tag_list: ['flex', `cpus=${100 + (i % 10)}`],
      })),
    ];
    const reasons = new Map(
      jobs.filter((j) => j.id > 8000).map((j) => [j.id, `instance flex: ${j.tag_list[1]} is above max 64`]),
    );
    reportUnmatched(state, jobs, recordingLogger(lines), reasons);
    expect(lines.map((l) => l.message)).toEqual([
      '3000 pending jobs match no runner instance: no instance has all of their tags',
      '2000 pending jobs have no tags and no instance has run_untagged = true',
      ...Array.from(
        { length: 5 },
        (_, i) =>
          `7 pending jobs are refused, never launched: instance flex: cpus=${100 + i} is above max 64`,
      ),
      '35 more pending jobs are refused, never launched, for 5 other reasons (`gitlab-meta-runner status` lists refused jobs)',
    ]);
    expect(lines[0]!.fields).toEqual({
      jobs: 3000,
      examples:
        '1 build 0 (tags tpu); 2 build 1 (tags tpu); 3 build 2 (tags tpu); 4 build 3 (tags tpu); 5 build 4 (tags tpu)',
      more: 2995,
    });
    expect(lines.at(-1)!.fields?.examples).toMatch(
      /^8006 \(tags flex,cpus=105: instance flex: cpus=105 is above max 64\)/,
    );
    // The next cycle: the same jobs say nothing; one new job is told on its own, as before.
    lines.length = 0;
    reportUnmatched(
      state,
      [...jobs, { id: 9999, name: 'deploy', tag_list: ['arm'] }],
      recordingLogger(lines),
      reasons,
    );
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'pending job matches no runner instance: no instance has all of its tags',
        fields: { job: 9999, name: 'deploy', tags: 'arm' },
      },
    ]);
  });
});

describe('jobs of several projects', () => {
  it('names the project of an unmatched or refused job, alone and among the examples', () => {
    const lines: Line[] = [];
    const state = emptyState();
    const jobs = [
      { id: 1, tag_list: ['tpu'], project: 'lab/app' },
      { id: 2, tag_list: ['flex', 'cpus=99'], project: 'lab/sub/deep' },
      { id: 3, tag_list: ['flex', 'cpus=99'], project: 'lab/lib' },
    ];
    const reasons = new Map([
      [2, 'cpus=99 is above the max of 8'],
      [3, 'cpus=99 is above the max of 8'],
    ]);
    reportUnmatched(state, jobs, recordingLogger(lines), reasons);
    expect(lines.find((l) => /matches no runner/.test(l.message))?.fields).toMatchObject({
      job: 1,
      project: 'lab/app',
    });
    const refused = lines.find((l) => /are refused/.test(l.message))!;
    expect(refused.fields?.examples).toBe(
      '2 in lab/sub/deep (tags flex,cpus=99); 3 in lab/lib (tags flex,cpus=99)',
    );
  });
});
