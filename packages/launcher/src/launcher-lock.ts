import { stat } from 'node:fs/promises';
import {
  type HeldLock,
  type LockOwner,
  lockStaleReason,
  readLockOwner,
  tryAcquireLock,
} from '@mr/node-kit/lock';
import { LaunchLockedError } from './errors.js';

export interface LauncherLockOptions {
  /** Refresh the lock file's time this often (ms). Default 10 s. */
  refreshMs?: number | undefined;
  /**
   * A lock whose file was not refreshed for this long is stale, whichever host holds it (ms). Default 60 s.
   * On the holder's own host a lock is also stale as soon as its process is gone.
   */
  staleMs?: number | undefined;
  /** Called when the lock was taken away (its file removed or replaced); the holder must stop launching. */
  onLost?: ((reason: string) => void) | undefined;
  /** The command line that holds the lock, shown to a second launcher. */
  command?: string | undefined;
}

/**
 * Takes the lock that keeps two launchers from launching for the same data directory (also across login
 * nodes sharing it over NFS), or throws {@link LaunchLockedError} naming the launcher that holds it.
 */
export async function acquireLauncherLock(
  file: string,
  options: LauncherLockOptions = {},
): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 60_000;
  const result = await tryAcquireLock(file, {
    purpose: options.command,
    timing: { heartbeat: options.refreshMs ?? 10_000, staleAfter: staleMs },
    onLost: options.onLost,
  });
  if (result.lock) return result.lock;
  const other = result.owner;
  const who = other ? `process ${other.pid} on ${other.host}` : 'another process';
  throw new LaunchLockedError(
    `Another launcher (${who}${other?.since ? `, since ${other.since}` : ''}) holds ${file}`,
    {
      lockFile: file,
      holder: other ? { host: other.host, pid: other.pid, since: other.since } : undefined,
      details: other?.purpose ? [`its command: ${other.purpose}`] : undefined,
      hint:
        'Only one `run` or `run-single` may launch for a data directory at a time. Stop the other one, ' +
        `or wait: a lock not refreshed for ${Math.round(staleMs / 1000)} s is taken over.`,
    },
  );
}

/** Who holds the launcher lock now (its file fresh), as its file names them; undefined when nobody does. */
export async function launcherLockHolder(
  file: string,
  staleMs = 60_000,
  now = Date.now(),
): Promise<LockOwner | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  const owner = await readLockOwner(file);
  return owner && lockStaleReason(owner, info.mtimeMs, staleMs, now) === undefined ? owner : undefined;
}
