import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { link, mkdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { NO_HARD_LINKS, writeExclusive } from './exclusive-write.js';
import { type LockOwner, lockStaleReason, readLockOwner } from './lock-owner.js';
import { processStat } from './proc.js';

export { type LockOwner, lockStaleReason, readLockOwner } from './lock-owner.js';

export interface LockTiming {
  /** The holder refreshes the lock file's mtime this often (ms). */
  heartbeat: number;
  /** A lock whose mtime is older than this (ms) is stale, whoever holds it. */
  staleAfter: number;
  /** Longest pause between two looks at a held lock while waiting (ms); file events end it early. */
  poll: number;
}

export const DEFAULT_LOCK_TIMING: LockTiming = { heartbeat: 10_000, staleAfter: 120_000, poll: 500 };

export interface LockOptions {
  /** What the holder does, written into the lock file for the messages of others. */
  purpose?: string | undefined;
  timing?: Partial<LockTiming> | undefined;
  /**
   * Called when a stale lock is about to be taken over, with its former owner and why it was stale; when it
   * returns a promise, the takeover waits for it (to end what the dead holder left running first).
   */
  onStale?: ((owner: LockOwner | undefined, reason: string) => unknown) | undefined;
  /** Called once when a held lock was taken away (its file removed or replaced): stop what it guards. */
  onLost?: ((reason: string) => void) | undefined;
  /** Overrides for tests: this host's name and pid. */
  host?: string | undefined;
  pid?: number | undefined;
}

export interface AcquireOptions extends LockOptions {
  /** Called when someone else holds the lock and we start waiting, then about once a minute. */
  onWait?: ((owner: LockOwner | undefined, waitedMs: number) => void) | undefined;
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Checked while waiting: when it resolves true, what the holder was doing is done, the wait ends without
   * taking the lock and the promise resolves to undefined.
   */
  satisfied?: (() => Promise<boolean>) | undefined;
}

/** A lock we hold. Its file's mtime is refreshed every `heartbeat` until `release()`. */
export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** False once released or taken away. */
  readonly held: boolean;
  /**
   * How its file was published: `link(2)`, or an exclusive create where the file system refuses hard links
   * (then `linkError` is link's error code, such as EPERM).
   */
  readonly published: { via: 'link' } | { via: 'exclusive create'; linkError: string };
  /** Checks that the lock file still names this holder and refreshes its time; false when it was lost. */
  refresh(): Promise<boolean>;
  /** Stops the heartbeat and removes the lock file if it is still ours. */
  release(): Promise<void>;
}

const unique = (owner: LockOwner) => `${owner.host}.${owner.pid}.${randomBytes(6).toString('hex')}`;

/**
 * Publishes a lock file atomically with `link(2)`, which is atomic on local file systems and on NFS and
 * Lustre (unlike flock, and unlike O_EXCL on old NFS). Undefined when the lock exists.
 */
async function tryCreate(path: string, owner: LockOwner): Promise<HeldLock['published'] | undefined> {
  const text = `${JSON.stringify(owner)}\n`;
  const temp = `${path}.${unique(owner)}`;
  await writeFile(temp, text, { mode: 0o644 });
  try {
    await link(temp, path);
    return { via: 'link' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return undefined;
    // NFS may report an error for a link that was made: the link count tells.
    if (
      (await stat(temp)
        .then((s) => s.nlink)
        .catch(() => 1)) === 2
    )
      return { via: 'link' };
    if (!NO_HARD_LINKS.has(code)) throw error;
    // No hard links here: an exclusive create is the next best thing.
    return writeExclusive(path, text, 0o644).then(
      () => ({ via: 'exclusive create', linkError: code }),
      (inner: NodeJS.ErrnoException) => {
        if (inner.code === 'EEXIST') return undefined;
        throw inner;
      },
    );
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** A breaker's file older than this belongs to a breaker that died while breaking (it takes milliseconds). */
const BREAKER_STALE_MS = 10_000;

/**
 * Removes a stale lock without removing a fresh one taken meanwhile. Breakers take turns through a second
 * lock file (`<path>.break`), and the one whose turn it is reads the lock again: only when it still names
 * the owner judged stale is it removed. (Without the turns, a second breaker could judge the owner that a
 * first one had already removed, and remove the fresh lock someone took since: two holders at once.) The
 * lock is renamed away rather than unlinked, and put back should it be another holder's after all.
 */
async function breakStale(path: string, judged: LockOwner | undefined, self: LockOwner): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await tryCreate(breaker, self))) {
    // Someone else breaks it now; a breaker file nobody removed for long is a dead breaker's.
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > BREAKER_STALE_MS) await unlink(breaker).catch(() => {});
    return;
  }
  try {
    if ((await readLockOwner(path))?.token !== judged?.token) return;
    const aside = `${path}.stale.${unique(self)}`;
    try {
      await rename(path, aside);
    } catch {
      return;
    }
    const moved = await readLockOwner(aside);
    if (moved && moved.token !== judged?.token) await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

type Attempt = { lock: HeldLock } | { owner: LockOwner | undefined };

/** One try: take the lock, or take over a stale one; else report who holds it. */
async function attempt(path: string, options: LockOptions, timing: LockTiming): Promise<Attempt> {
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  for (let tries = 0; ; tries++) {
    const owner: LockOwner = {
      host,
      pid,
      processStart: processStat(pid)?.startTime,
      token: randomBytes(12).toString('hex'),
      since: new Date().toISOString(),
      purpose: options.purpose,
    };
    const published = await tryCreate(path, owner);
    if (published) return { lock: hold(path, owner, published, timing, options.onLost) };
    const current = await readLockOwner(path);
    const info = await stat(path).catch(() => undefined);
    // Gone meanwhile: try again at once. Others keep winning: report the last one seen.
    if (!info) {
      if (tries < 8) continue;
      return { owner: current };
    }
    const reason = lockStaleReason(current, info.mtimeMs, timing.staleAfter, Date.now(), host);
    if (!reason || tries >= 8) return { owner: current };
    await options.onStale?.(current, reason);
    await breakStale(path, current, owner);
  }
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
 * Takes a lock that works across processes and hosts sharing a file system, waiting while someone else
 * holds it. A holder refreshes its lock's mtime every `heartbeat`; a lock is stale (and taken over) when
 * its mtime is older than `staleAfter`, or its holder was a process of this host that is gone. Waiting ends
 * early on file-system events and stops when `signal` aborts (the promise rejects with the abort reason).
 */
export async function acquireLock(
  path: string,
  options: AcquireOptions & { satisfied?: undefined },
): Promise<HeldLock>;
export async function acquireLock(path: string, options: AcquireOptions): Promise<HeldLock | undefined>;
export async function acquireLock(path: string, options: AcquireOptions): Promise<HeldLock | undefined> {
  const timing = { ...DEFAULT_LOCK_TIMING, ...options.timing };
  await mkdir(dirname(path), { recursive: true });
  const started = Date.now();
  let lastReport = -Infinity;
  for (let first = true; ; first = false) {
    options.signal?.throwIfAborted();
    if (!first && options.satisfied && (await options.satisfied())) return undefined;
    const result = await attempt(path, options, timing);
    if ('lock' in result) return result.lock;
    const now = Date.now();
    if (now - lastReport >= 60_000) {
      lastReport = now;
      options.onWait?.(result.owner, now - started);
    }
    await pause(path, timing.poll, options.signal);
  }
}

/**
 * Takes a lock (taking over a stale one) without waiting. When someone else holds it, resolves to the
 * owner its file names (undefined when the file names none) instead.
 */
export async function tryAcquireLock(
  path: string,
  options: LockOptions = {},
): Promise<{ lock: HeldLock } | { lock?: undefined; owner: LockOwner | undefined }> {
  await mkdir(dirname(path), { recursive: true });
  return attempt(path, options, { ...DEFAULT_LOCK_TIMING, ...options.timing });
}

/** Whether a lock file exists and is live (housekeeping leaves what it guards alone). */
export async function isLockLive(
  path: string,
  timing: Partial<LockTiming> = {},
  host = hostname(),
): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  const staleAfter = timing.staleAfter ?? DEFAULT_LOCK_TIMING.staleAfter;
  return lockStaleReason(await readLockOwner(path), info.mtimeMs, staleAfter, Date.now(), host) === undefined;
}

function hold(
  path: string,
  owner: LockOwner,
  published: HeldLock['published'],
  timing: LockTiming,
  onLost: ((reason: string) => void) | undefined,
): HeldLock {
  let released = false;
  let lost = false;
  const lose = (reason: string) => {
    if (lost) return;
    lost = true;
    clearInterval(timer);
    onLost?.(reason);
  };
  const lock: HeldLock = {
    path,
    owner,
    published,
    get held() {
      return !released && !lost;
    },
    async refresh() {
      if (!lock.held) return false;
      try {
        const current = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
        if (current?.token !== owner.token) {
          const who = typeof current?.pid === 'number' ? `pid ${current.pid} on ${current.host}` : 'nobody';
          lose(`the lock file ${path} now belongs to ${who}`);
          return false;
        }
        const now = new Date();
        await utimes(path, now, now);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          lose(`the lock file ${path} was removed`);
          return false;
        }
        // A transient I/O error or a torn read: try again at the next heartbeat.
      }
      return true;
    },
    async release() {
      clearInterval(timer);
      if (released) return;
      released = true;
      if (lost) return;
      if ((await readLockOwner(path))?.token === owner.token) await unlink(path).catch(() => {});
    },
  };
  const timer = setInterval(() => void lock.refresh(), timing.heartbeat);
  timer.unref();
  return lock;
}
