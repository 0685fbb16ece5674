import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { evictImages } from './housekeeping.js';
import { markInUse, unmarkInUse } from './image-usage.js';

afterAll(removeTempDirs);

const now = Date.now();
const day = 86_400_000;

/** An image file of `size` bytes last used `age` ms ago. */
function image(dir: string, name: string, size: number, age: number) {
  writeFileSync(join(dir, name), Buffer.alloc(size));
  const t = new Date(now - age);
  utimesSync(join(dir, name), t, t);
}

describe('image housekeeping', () => {
  it('evicts the least recently used images no job uses until the size fits', async () => {
    const dir = makeTempDir();
    image(dir, 'a.sif', 1000, 5 * day);
    image(dir, 'b.sif', 1000, 4 * day);
    image(dir, 'c.sif', 1000, 3 * day);
    image(dir, 'd.sif', 1000, 1 * day);
    await markInUse(dir, 'a.sif', hostname(), '17');
    const result = await evictImages(dir, { maxSize: 2000, now });
    expect(result.removed.map((r) => r.name)).toEqual(['b.sif', 'c.sif']);
    expect(result.total).toBe(2000);
    expect(existsSync(join(dir, 'a.sif'))).toBe(true);
    await unmarkInUse(dir, hostname(), '17');
    expect((await evictImages(dir, { maxSize: 1000, now })).removed.map((r) => r.name)).toEqual(['a.sif']);
  });

  it('evicts images unused for longer than the maximum age, but not those being pulled or kept', async () => {
    const dir = makeTempDir();
    image(dir, 'old.sif', 10, 40 * day);
    image(dir, 'pulling.sif', 10, 40 * day);
    image(dir, 'kept.sif', 10, 40 * day);
    image(dir, 'new.sif', 10, day);
    writeFileSync(join(dir, 'pulling.sif.lock'), JSON.stringify({ host: 'other-node', pid: 1, token: 't' }));
    const result = await evictImages(dir, { maxAge: 30 * day, keep: ['kept.sif'], now });
    expect(result.removed).toEqual([{ name: 'old.sif', size: 10, reason: 'age' }]);
  });

  it('ignores in-use markers of jobs that never cleaned up, and removes them', async () => {
    const dir = makeTempDir();
    image(dir, 'a.sif', 10, 40 * day);
    mkdirSync(join(dir, '.in-use'));
    const marker = join(dir, '.in-use', `a.sif@${hostname()}@5`);
    writeFileSync(marker, '');
    utimesSync(marker, new Date(now - 8 * day), new Date(now - 8 * day));
    expect((await evictImages(dir, { maxAge: day, now })).removed.map((r) => r.name)).toEqual(['a.sif']);
    expect(existsSync(marker)).toBe(false);
  });

  it("removes what killed pulls left behind once stale: apptainer's tmp-copy-* and our .tmp-*, not a live pull's", async () => {
    const dir = makeTempDir();
    image(dir, 'tmp-copy-123456', 10, 2 * 3_600_000);
    image(dir, 'tmp-copy-fresh', 10, 60_000);
    image(dir, '.tmp-a.sif.node1.99.abcd', 10, 2 * 3_600_000);
    image(dir, '.tmp-pulling.sif.node1.98.abcd', 10, 2 * 3_600_000);
    writeFileSync(join(dir, 'pulling.sif.lock'), JSON.stringify({ host: 'other-node', pid: 1, token: 't' }));
    const result = await evictImages(dir, { now });
    expect(result.temporaries.sort()).toEqual(['.tmp-a.sif.node1.99.abcd', 'tmp-copy-123456']);
    expect(existsSync(join(dir, 'tmp-copy-fresh'))).toBe(true);
    expect(existsSync(join(dir, '.tmp-pulling.sif.node1.98.abcd'))).toBe(true);
  });

  it('lets one process at a time do it', async () => {
    const dir = makeTempDir();
    writeFileSync(
      join(dir, '.housekeeping.lock'),
      JSON.stringify({ host: 'other-node', pid: 1, token: 't' }),
    );
    image(dir, 'a.sif', 10, 40 * day);
    expect(await evictImages(dir, { maxAge: day, now })).toEqual({
      removed: [],
      temporaries: [],
      total: 0,
      ran: false,
    });
  });
});
