import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, isLockLive, type LockOwner, lockStaleReason, tryAcquireLock } from './lock.js';

afterAll(removeTempDirs);

const fast = { heartbeat: 50, staleAfter: 5_000, poll: 20 };
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const writeOwner = (path: string, owner: Partial<LockOwner>) =>
  writeFileSync(path, JSON.stringify({ token: 'theirs', since: 'then', purpose: 'pulling x', ...owner }));
const tokenIn = (path: string) => JSON.parse(readFileSync(path, 'utf8')).token;

describe('the NFS-safe lock', () => {
  it('lets one holder in at a time', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireLock(path, { purpose: 'test', timing: fast });
        most = Math.max(most, ++inside);
        // Let the others run their attempts while this one holds the lock.
        await new Promise((r) => setImmediate(r));
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

  it('does not wait when asked not to, and names the holder', async () => {
    const path = join(makeTempDir(), 'dir', 'meta.state.lock');
    const first = await tryAcquireLock(path, { purpose: 'gitlab-meta-runner run' });
    expect(first.lock?.held).toBe(true);
    const second = await tryAcquireLock(path);
    expect(second.lock).toBeUndefined();
    expect(second).toMatchObject({ owner: { pid: process.pid, purpose: 'gitlab-meta-runner run' } });
    await first.lock!.release();
    const third = await tryAcquireLock(path);
    expect(third.lock?.held).toBe(true);
    await third.lock!.release();
  });

  it('stops waiting when its signal aborts', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    const first = await acquireLock(path, { timing: fast });
    const controller = new AbortController();
    const waiting = acquireLock(path, {
      timing: fast,
      signal: controller.signal,
      onWait: () => controller.abort('SIGTERM'),
    });
    await expect(waiting).rejects.toBe('SIGTERM');
    await first.release();
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
    expect(tokenIn(path)).toBe(lock.owner.token);
    await lock.release();
  });

  it('never removes a lock taken since its dead holder was judged stale by a slower taker', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'image.sif.lock');
    writeOwner(path, { host: hostname(), pid: deadPid() });
    // The slow taker judges the dead holder's lock stale, then pauses before it removes it ...
    let judged = false;
    let resume!: () => void;
    const paused = new Promise<void>((r) => {
      resume = r;
    });
    const waits: Array<LockOwner | undefined> = [];
    const slow = acquireLock(path, {
      timing: fast,
      onStale: async () => {
        judged = true;
        await paused;
      },
      onWait: (owner) => waits.push(owner),
    });
    await waitUntil(() => judged, 10_000, 'the slow taker to judge the lock stale');
    // ... while a fast one removes it and takes the lock.
    const fresh = await tryAcquireLock(path, { timing: fast });
    expect(fresh.lock).toBeDefined();
    const touched: string[] = [];
    const watcher = watch(dir, (_, file) => touched.push(String(file)));
    resume();
    await waitUntil(() => waits.length > 0, 10_000, 'the slow taker to wait for the fresh holder');
    // Events arrive in order: once this one is seen, any on the lock file would have been.
    writeFileSync(join(dir, 'sentinel'), '');
    await waitUntil(() => touched.includes('sentinel'), 10_000, 'the sentinel event');
    watcher.close();
    expect(touched.filter((f) => f === 'image.sif.lock')).toEqual([]);
    expect(waits[0]?.token).toBe(fresh.lock!.owner.token);
    expect(tokenIn(path)).toBe(fresh.lock!.owner.token);
    await fresh.lock!.release();
    await (await slow).release();
  });

  it('recovers a lock of another host only when its heartbeat is old', async () => {
    const path = join(makeTempDir(), 'image.sif.lock');
    writeOwner(path, { host: 'other-node', pid: 1 });
    expect((await tryAcquireLock(path, { purpose: 'test', timing: fast })).lock).toBeUndefined();
    expect(await isLockLive(path, fast)).toBe(true);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(await isLockLive(path, fast)).toBe(false);
    const reasons: string[] = [];
    const { lock } = await tryAcquireLock(path, {
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

  it('notices when its lock was taken away, says so, and leaves the new holder alone', async () => {
    const path = join(makeTempDir(), 'x.lock');
    const reasons: string[] = [];
    const { lock } = await tryAcquireLock(path, { onLost: (r) => reasons.push(r) });
    writeOwner(path, { host: 'h', pid: 2, token: 'intruder' });
    expect(await lock!.refresh()).toBe(false);
    expect(lock!.held).toBe(false);
    expect(reasons).toEqual([expect.stringContaining('pid 2 on h')]);
    await lock!.release();
    expect(tokenIn(path)).toBe('intruder');
  });

  it('notices when its lock file was removed, on its own heartbeat', async () => {
    const path = join(makeTempDir(), 'x.lock');
    const reasons: string[] = [];
    const lock = await acquireLock(path, { timing: fast, onLost: (r) => reasons.push(r) });
    const { unlinkSync } = await import('node:fs');
    unlinkSync(path);
    await waitUntil(() => reasons.length > 0, 10_000, 'the heartbeat to notice');
    expect(reasons[0]).toMatch(/was removed/);
    expect(lock.held).toBe(false);
  });

  it('judges staleness by age, dead process and reused pid', async () => {
    const now = Date.now();
    expect(lockStaleReason(undefined, now - 61_000, 60_000, now)).toMatch(/not refreshed/);
    expect(lockStaleReason(undefined, now, 60_000, now)).toBeUndefined();
    const me: LockOwner = { host: 'here', pid: process.pid, since: '', token: 't' };
    expect(lockStaleReason(me, now, 60_000, now, 'here')).toBeUndefined();
    expect(lockStaleReason({ ...me, processStart: '1' }, now, 60_000, now, 'here')).toMatch(
      /another process/,
    );
    expect(lockStaleReason({ ...me, pid: deadPid() }, now, 60_000, now, 'here')).toMatch(/gone/);
    expect(lockStaleReason({ ...me, pid: deadPid() }, now, 60_000, now, 'elsewhere')).toBeUndefined();
  });
});
