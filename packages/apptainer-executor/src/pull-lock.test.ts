import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, isLockLive, type LockOwner, tryAcquireLock } from './pull-lock.js';

afterAll(removeTempDirs);

const fast = { heartbeat: 50, staleAfter: 5_000, poll: 20 };
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const writeOwner = (path: string, owner: Partial<LockOwner>) =>
  writeFileSync(path, JSON.stringify({ token: 'theirs', since: Date.now(), purpose: 'pulling x', ...owner }));

describe('the pull lock', () => {
  it('lets one holder in at a time', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireLock(path, { purpose: 'test', timing: fast });
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        await lock.release();
      }),
    );
    expect(most).toBe(1);
  });

  it('tells waiters who holds it, and lets them in once it is released', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    const first = await acquireLock(path, { purpose: 'pulling alpine', timing: fast });
    const seen: Array<LockOwner | undefined> = [];
    const second = acquireLock(path, {
      purpose: 'pulling alpine',
      timing: fast,
      onWait: (owner) => seen.push(owner),
    });
    await waitUntil(() => seen.length > 0, 10_000, 'the waiter to report');
    expect(seen[0]).toMatchObject({ host: hostname(), pid: process.pid, purpose: 'pulling alpine' });
    await first.release();
    await (await second).release();
    expect(seen).toHaveLength(1);
  });

  it('recovers a lock whose holder died on this host', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    writeOwner(path, { host: hostname(), pid: deadPid() });
    const reasons: string[] = [];
    const lock = await acquireLock(path, {
      purpose: 'test',
      timing: fast,
      onStale: (_, reason) => reasons.push(reason),
    });
    expect(reasons[0]).toMatch(/is gone/);
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe(lock.owner.token);
    await lock.release();
  });

  it('recovers a lock of another host only when its heartbeat is old', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    writeOwner(path, { host: 'other-node', pid: 1 });
    expect(await tryAcquireLock(path, { purpose: 'test', timing: fast })).toBeUndefined();
    expect(await isLockLive(path, fast)).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(await isLockLive(path, fast)).toBe(false);
    const reasons: string[] = [];
    const lock = await tryAcquireLock(path, {
      purpose: 'test',
      timing: fast,
      onStale: (_, r) => reasons.push(r),
    });
    expect(lock).toBeDefined();
    expect(reasons[0]).toMatch(/has not refreshed it for 60 s/);
    await lock!.release();
  });

  it('keeps a held lock fresh with its heartbeat', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    const lock = await acquireLock(path, { purpose: 'test', timing: fast });
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    await waitUntil(() => Date.now() - statSync(path).mtimeMs < 10_000, 10_000, 'a heartbeat');
    await lock.release();
  });

  it('does not remove a lock that is no longer its own', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    const lock = await acquireLock(path, { purpose: 'test', timing: fast });
    writeOwner(path, { host: 'other-node', pid: 1 });
    await lock.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('theirs');
  });
});
