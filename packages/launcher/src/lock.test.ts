import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LaunchLockedError } from './errors.js';
import { LauncherLock, staleReason } from './lock.js';

afterAll(removeTempDirs);

async function deadPid(): Promise<number> {
  const child = await execa('sh', ['-c', 'echo $$']);
  return Number(child.stdout);
}

describe('the launcher lock', () => {
  it('lets one launcher in and tells the second who holds it', async () => {
    const file = join(makeTempDir(), 'meta.state.lock');
    const first = await LauncherLock.acquire(file, { command: 'gitlab-meta-runner run' });
    const error = await LauncherLock.acquire(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchLockedError);
    expect(error).toMatchObject({
      code: 'MR_LAUNCH_LOCKED',
      holder: { pid: process.pid },
      details: ['its command: gitlab-meta-runner run'],
    });
    expect((error as Error).message).toContain(`process ${process.pid}`);
    await first.release();
    const second = await LauncherLock.acquire(file);
    expect(second.held).toBe(true);
    await second.release();
  });

  it('takes over a lock whose process on this host is gone', async () => {
    const file = join(makeTempDir(), 'x.lock');
    const { hostname } = await import('node:os');
    writeFileSync(
      file,
      JSON.stringify({ host: hostname(), pid: await deadPid(), since: 'then', token: 'old' }),
    );
    const lock = await LauncherLock.acquire(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe(lock.holder.token);
    await lock.release();
  });

  it('keeps a fresh lock of another host and takes it over once it is no longer refreshed', async () => {
    const file = join(makeTempDir(), 'x.lock');
    writeFileSync(file, JSON.stringify({ host: 'other-node', pid: 1, since: 'then', token: 'theirs' }));
    await expect(LauncherLock.acquire(file, { staleMs: 60_000 })).rejects.toMatchObject({
      code: 'MR_LAUNCH_LOCKED',
    });
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    const lock = await LauncherLock.acquire(file, { staleMs: 60_000 });
    expect(lock.held).toBe(true);
    await lock.release();
  });

  it('notices when its lock file was taken away and says so', async () => {
    const file = join(makeTempDir(), 'x.lock');
    const reasons: string[] = [];
    const lock = await LauncherLock.acquire(file, { onLost: (r) => reasons.push(r) });
    writeFileSync(file, JSON.stringify({ host: 'h', pid: 2, since: 'now', token: 'intruder' }));
    expect(await lock.refresh()).toBe(false);
    expect(lock.held).toBe(false);
    expect(reasons[0]).toContain('process 2 on h');
    await lock.release();
    // The intruder's lock is left alone.
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe('intruder');
  });

  it('judges staleness by age, dead process and reused pid', async () => {
    const now = Date.now();
    expect(staleReason(undefined, now - 61_000, 60_000, now)).toMatch(/not refreshed/);
    expect(staleReason(undefined, now, 60_000, now)).toBeUndefined();
    const me = { host: 'here', pid: process.pid, since: '', token: 't' };
    expect(staleReason(me, now, 60_000, now, 'here')).toBeUndefined();
    expect(staleReason({ ...me, processStart: '1' }, now, 60_000, now, 'here')).toMatch(/another process/);
    expect(staleReason({ ...me, pid: await deadPid() }, now, 60_000, now, 'here')).toMatch(/gone/);
    expect(staleReason({ ...me, pid: await deadPid() }, now, 60_000, now, 'elsewhere')).toBeUndefined();
  });
});
