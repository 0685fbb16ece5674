import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyState, type LaunchState } from './state.js';
import { loadState, parseState, saveState } from './state-file.js';

afterAll(removeTempDirs);

const sample = (): LaunchState => ({
  version: 1,
  launches: [
    {
      id: 'a1',
      instance: 'gpu',
      numJobs: 2,
      jobIds: [11, 12],
      launchedAt: '2024-06-01T10:00:00.000Z',
      phase: 'submitted',
      batchJobId: '4242',
      cluster: 'north',
      batchState: 'queued',
    },
    {
      id: 'b2',
      instance: 'cpu',
      numJobs: 1,
      jobIds: [13],
      launchedAt: '2024-06-01T10:00:01.000Z',
      phase: 'starting',
    },
  ],
  backoff: { cpu: { failures: 2, until: '2024-06-01T10:01:00.000Z' } },
  reportedUnmatched: [99],
  recentFailures: [
    { at: '2024-06-01T09:59:00.000Z', instance: 'cpu', message: 'The launch command exited with 1' },
  ],
  refusedTokens: { gpu: { since: '2024-06-01T09:00:00.000Z', checkedAt: '2024-06-01T09:58:00.000Z' } },
  recentPickups: [
    { at: '2024-06-01T10:00:00.500Z', instance: 'gpu', job: 11, seconds: 4.2 },
    { at: '2024-06-01T10:00:00.500Z', instance: 'gpu', job: 12, seconds: 3.9 },
  ],
  lastCycle: { at: '2024-06-01T10:00:02.000Z', pending: 3, matched: { gpu: 2, cpu: 1 }, unmatched: 0 },
});

describe('the launch state file', () => {
  it('reads back what it saved, written atomically with mode 0600', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'meta.state');
    const state = sample();
    await saveState(file, state, new Date('2024-06-01T10:02:00Z'));
    const loaded = await loadState(file);
    expect(loaded).toEqual({ ...sample(), savedAt: '2024-06-01T10:02:00.000Z' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['meta.state']);
  });

  it('is empty when the file does not exist', async () => {
    expect(await loadState(join(makeTempDir(), 'none.state'))).toEqual(emptyState());
  });

  it('names the file and says what to do when it is not JSON', async () => {
    const file = join(makeTempDir(), 'bad.state');
    writeFileSync(file, '{"version": 1, "launches": [');
    await expect(loadState(file)).rejects.toMatchObject({
      code: 'MR_LAUNCH_STATE_INVALID',
      file,
      message: expect.stringContaining(file),
      hint: expect.stringContaining('Move it away'),
    });
  });

  it('lists every problem of a malformed state at once', () => {
    const text = JSON.stringify({
      version: 1,
      launches: [{ id: '', instance: 'x', numJobs: 0, jobIds: ['a'], launchedAt: 'never', phase: 'done' }],
      backoff: { x: { failures: -1 } },
    });
    try {
      parseState(text, 'f.state');
      expect.unreachable();
    } catch (error) {
      expect((error as { details: string[] }).details).toEqual([
        'launches[0].id: expected a non-empty string, found ""',
        'launches[0].numJobs: expected a positive integer, found 0',
        'launches[0].jobIds: expected an array of job ids, found ["a"]',
        'launches[0].launchedAt: expected a date, found "never"',
        'launches[0].phase: expected "starting" or "submitted", found "done"',
        'backoff.x: expected { failures, until }, found {"failures":-1}',
      ]);
    }
  });

  it('rejects a state of another version', () => {
    expect(() => parseState('{"version": 2, "launches": []}', 'f')).toThrow(/not valid/);
  });

  it('leaves out pickup records it does not understand instead of failing', () => {
    const text = JSON.stringify({
      version: 1,
      launches: [],
      recentPickups: [{ at: '2024-06-01T10:00:00Z', instance: 'cpu', job: 1, seconds: 2 }, { job: 'x' }],
      lastCycle: { at: 'never' },
    });
    const state = parseState(text, 'f.state');
    expect(state.recentPickups).toEqual([
      { at: '2024-06-01T10:00:00Z', instance: 'cpu', job: 1, seconds: 2 },
    ]);
    expect(state.lastCycle).toBeUndefined();
  });
});
