import { describe, expect, it } from 'vitest';
import { forEachLimited } from './for-each-limited.js';

describe('forEachLimited', () => {
  it('never runs more than the limit at once, and starts items in order', async () => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates = new Map<number, () => void>();
    const result = forEachLimited([1, 2, 3, 4, 5], 2, async (item) => {
      order.push(item);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => gates.set(item, resolve));
      running--;
    });
    // Release items as they start, one at a time, until all five have run.
    for (let released = 0; released < 5; ) {
      const next = [...gates.entries()][0];
      if (!next) {
        await Promise.resolve();
        continue;
      }
      gates.delete(next[0]);
      next[1]();
      released++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await result).toEqual({ started: [1, 2, 3, 4, 5], skipped: [] });
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('skips the items shouldStart refuses and reports them', async () => {
    const done: string[] = [];
    const result = await forEachLimited(
      ['a', 'b', 'c'],
      4,
      async (item) => {
        done.push(item);
      },
      (item) => item !== 'b',
    );
    expect(result).toEqual({ started: ['a', 'c'], skipped: ['b'] });
    expect(done).toEqual(['a', 'c']);
  });
});
