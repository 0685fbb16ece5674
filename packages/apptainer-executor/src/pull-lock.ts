import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';

/** Who holds a lock: written into the lock file before it appears (it is published with `link`). */
export interface LockOwner {
  host: string;
  pid: number;
  token: string;
  /** When it was taken, ms since the epoch. */
  since: number;
  /** What the holder is doing, for waiters' messages. */
  purpose: string;
}

export interface LockTiming {
  /** The holder refreshes the lock file's mtime this often (ms). */
  heartbeat: number;
  /** A lock whose mtime is older than this (ms) is stale, whoever holds it. */
  staleAfter: number;
  /** Longest pause between two looks at a held lock (ms); changes seen by file watching end it early. */
  poll: number;
}

export const DEFAULT_LOCK_TIMING: LockTiming = { heartbeat: 10_000, staleAfter: 120_000, poll: 500 };

export interface AcquireOptions {
  purpose: string;
  timing?: Partial<LockTiming> | undefined;
  /** Called when the lock is held by someone else and we start waiting, then about once a minute. */
  onWait?: ((owner: LockOwner | undefined, waitedMs: number) => void) | undefined;
  /** Called when a stale lock is removed. */
  onStale?: ((owner: LockOwner | undefined, reason: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Checked while waiting: when it resolves true, the wait is over without taking the lock (what the holder
   * was doing is done) and the promise resolves to undefined.
   */
  satisfied?: (() => Promise<boolean>) | undefined;
  /** Overrides for tests: this host's name and pid. */
  host?: string | undefined;
  pid?: number | undefined;
}

/** A lock we hold; `release()` removes it if it is still ours. */
export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

const uniqueSuffix = (host: string, pid: number) => `${host}.${pid}.${randomBytes(6).toString('hex')}`;

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return typeof owner?.host === 'string' && typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process of this host is alive (EPERM: alive, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Publishes a lock file atomically with `link(2)`, which is atomic on local file systems and on NFS and
 * Lustre (unlike flock, and unlike O_EXCL on old NFS). Returns false when the lock exists.
 */
async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  const temp = `${path}.${uniqueSuffix(owner.host, owner.pid)}`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o644 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // NFS may report an error for a link that was made: the link count tells.
    const links = await stat(temp).then(
      (s) => s.nlink,
      () => 1,
    );
    if (links === 2) return true;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Why a lock is stale, or undefined when it is live. */
function staleReason(
  owner: LockOwner | undefined,
  mtimeMs: number,
  now: number,
  host: string,
  timing: LockTiming,
) {
  if (owner && owner.host === host && !processAlive(owner.pid))
    return `its holder (pid ${owner.pid} on ${host}) is gone`;
  const age = now - mtimeMs;
  if (age > timing.staleAfter) return `its holder has not refreshed it for ${Math.round(age / 1000)} s`;
  return undefined;
}

/**
 * Removes a stale lock without removing a fresh one taken meanwhile: the lock is renamed away (only one
 * process can win), and put back when it turns out to be someone else's new lock.
 */
async function breakStale(path: string, expected: LockOwner | undefined, host: string, pid: number) {
  const aside = `${path}.stale.${uniqueSuffix(host, pid)}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (expected && moved && moved.token !== expected.token) {
    await link(aside, path).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

/** Waits until something changes in the lock's directory, `ms` pass, or the signal aborts. */
function pause(path: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const finish = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, signal?.aborted ? 0 : ms);
    try {
      // Wake up when the lock file or the file it guards (the lock's name without ".lock") changes.
      const name = basename(path);
      const guarded = name.replace(/\.lock$/, '');
      watcher = watch(dirname(path), (_event, file) => {
        if (file === null || file === name || file === guarded) finish();
      });
      watcher.on('error', () => {});
    } catch {
      // No file watching here (some network file systems): polling alone.
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Takes a lock that works across processes and hosts sharing a file system. A holder refreshes its
 * lock's mtime every `heartbeat`; a lock is stale when its holder is a dead process of this host or its
 * mtime is older than `staleAfter`. Waiting ends early on file-system events and stops when `signal` aborts
 * (then the promise rejects with the abort reason).
 */
export async function acquireLock(
  path: string,
  options: AcquireOptions & { satisfied?: undefined },
): Promise<HeldLock>;
export async function acquireLock(path: string, options: AcquireOptions): Promise<HeldLock | undefined>;
export async function acquireLock(path: string, options: AcquireOptions): Promise<HeldLock | undefined> {
  const timing = { ...DEFAULT_LOCK_TIMING, ...options.timing };
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const owner: LockOwner = {
    host,
    pid,
    token: randomBytes(12).toString('hex'),
    since: Date.now(),
    purpose: options.purpose,
  };
  const started = Date.now();
  let lastReport = -Infinity;
  for (let first = true; ; first = false) {
    options.signal?.throwIfAborted();
    if (!first && options.satisfied && (await options.satisfied())) return undefined;
    owner.since = Date.now();
    if (await tryCreate(path, owner)) return hold(path, owner, timing);
    const current = await readOwner(path);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    const reason = staleReason(current, info.mtimeMs, Date.now(), host, timing);
    if (reason) {
      options.onStale?.(current, reason);
      await breakStale(path, current, host, pid);
      continue;
    }
    const now = Date.now();
    if (now - lastReport >= 60_000) {
      lastReport = now;
      options.onWait?.(current, now - started);
    }
    await pause(path, timing.poll, options.signal);
  }
}

/**
 * Tries once to take a lock (breaking a stale one); resolves to undefined when someone else holds it.
 */
export async function tryAcquireLock(
  path: string,
  options: AcquireOptions & { satisfied?: undefined },
): Promise<HeldLock | undefined> {
  const controller = new AbortController();
  let held: HeldLock | undefined;
  await acquireLock(path, {
    ...options,
    signal: controller.signal,
    onWait: () => controller.abort('busy'),
  }).then(
    (lock) => {
      held = lock;
    },
    () => {},
  );
  return held;
}

function hold(path: string, owner: LockOwner, timing: LockTiming): HeldLock {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, timing.heartbeat);
  timer.unref();
  return {
    path,
    owner,
    async release() {
      clearInterval(timer);
      const current = await readOwner(path);
      if (current?.token === owner.token) await unlink(path).catch(() => {});
    },
  };
}

/** Whether a lock file exists and is live (used by housekeeping to leave images being pulled alone). */
export async function isLockLive(
  path: string,
  timing: Partial<LockTiming> = {},
  host = hostname(),
): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  return (
    staleReason(await readOwner(path), info.mtimeMs, Date.now(), host, {
      ...DEFAULT_LOCK_TIMING,
      ...timing,
    }) === undefined
  );
}
