import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { processAlive, processStat } from './proc.js';

/** Who holds a lock: written into the lock file before it appears (it is published with `link`). */
export interface LockOwner {
  host: string;
  pid: number;
  /** Start time of the holder's process (see `processStat`), to tell a reused pid from the holder. */
  processStart?: string | undefined;
  /** Random id of this holding; only the holder knows it. */
  token: string;
  /** When it was taken (ISO 8601). */
  since: string;
  /** What the holder is doing (a command line, "pulling alpine"), for the messages of those who wait. */
  purpose?: string | undefined;
}

/** The owner a lock file names, or undefined when it names none (a lock file that is not ours, or torn). */
export async function readLockOwner(path: string): Promise<LockOwner | undefined> {
  let data: Partial<LockOwner>;
  try {
    data = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
  } catch {
    return undefined;
  }
  if (typeof data?.host !== 'string' || typeof data.pid !== 'number' || typeof data.token !== 'string')
    return undefined;
  return {
    host: data.host,
    pid: data.pid,
    processStart: typeof data.processStart === 'string' ? data.processStart : undefined,
    token: data.token,
    since: typeof data.since === 'string' ? data.since : '',
    purpose: typeof data.purpose === 'string' ? data.purpose : undefined,
  };
}

/**
 * Why a lock whose file was last refreshed at `mtimeMs` is stale, or undefined while it is live. A lock is
 * stale when its file was not refreshed for `staleAfter` ms, whoever holds it; on the holder's own host
 * also as soon as the holder's process is gone or its pid belongs to another process now.
 */
export function lockStaleReason(
  owner: LockOwner | undefined,
  mtimeMs: number,
  staleAfter: number,
  now = Date.now(),
  host = hostname(),
): string | undefined {
  if (owner && owner.host === host) {
    if (!processAlive(owner.pid)) return `its holder (pid ${owner.pid} on ${host}) is gone`;
    const start = processStat(owner.pid)?.startTime;
    if (owner.processStart && start && start !== owner.processStart)
      return `its holder (pid ${owner.pid} on ${host}) is gone: the pid is another process now`;
  }
  const age = now - mtimeMs;
  if (age > staleAfter) return `its holder has not refreshed it for ${Math.round(age / 1000)} s`;
  return undefined;
}
