import { readdirSync, readFileSync, statSync } from 'node:fs';

/** What `/proc/<pid>/stat` says about a process (Linux; field numbers as in proc(5)). */
export interface ProcessStat {
  pid: number;
  /** Field 3: `R` running, `S` sleeping, `Z` zombie (ended, not yet reaped), ... */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 5: the process group. */
  pgrp: number;
  /** Field 22: start time in clock ticks since boot, as text; tells a reused pid from the original. */
  startTime: string;
}

/** The stat of a process, or undefined when it is gone or there is no `/proc`. */
export function processStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return undefined;
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    startTime: fields[19]!,
  };
}

/** Every process of this host (empty where there is no `/proc`). */
export function listProcesses(): ProcessStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcessStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    // A process that ended while we looked has no stat any more.
    const stat = processStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** Whether a process of this host exists (EPERM means it does, owned by someone else); zombies count. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a process runs and is not a zombie waiting to be reaped (needs `/proc`). */
export function processRunning(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The user id that owns a process (of its `/proc/<pid>` entry), or undefined when it is gone. */
export function processUid(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/**
 * The environment a process was started with (`/proc/<pid>/environ`, as `NAME=value` entries), or undefined
 * when it is gone or not readable (another user's, or a set-user-ID program's).
 */
export function processEnvironment(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}
