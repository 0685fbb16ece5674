import { stat } from 'node:fs/promises';
import { lockStaleReason, readLockOwner } from '@mr/node-kit/lock';

/** Who holds the data directory's launcher lock, as far as its lock file tells. */
export interface LauncherHolder {
  running: boolean;
  host?: string | undefined;
  pid?: number | undefined;
  since?: string | undefined;
  refreshed_seconds_ago?: number | undefined;
  stale_reason?: string | undefined;
}

/** Reads the launcher lock file: a holder whose lock is fresh is running. */
export async function readHolder(lockFile: string, now: number): Promise<LauncherHolder> {
  const info = await stat(lockFile).catch(() => undefined);
  if (!info) return { running: false };
  // A lock file that names no holder is judged by its age alone.
  const holder = await readLockOwner(lockFile);
  const reason = lockStaleReason(holder, info.mtimeMs, 60_000, now);
  return {
    running: reason === undefined,
    host: holder?.host,
    pid: holder?.pid,
    since: holder?.since || undefined,
    refreshed_seconds_ago: Math.max(0, Math.round((now - info.mtimeMs) / 1000)),
    stale_reason: reason,
  };
}
