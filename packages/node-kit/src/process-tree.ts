import { setTimeout as sleep } from 'node:timers/promises';
import { listProcesses, processRunning, processStat } from './proc.js';

/**
 * The ids of every descendant of a process (Linux `/proc`; empty elsewhere), children before grandchildren.
 * Used on cancel so that no process of a job outlives it, even one whose parent died and which was
 * reparented.
 */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of listProcesses()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sends a signal to processes, ignoring those that are gone. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Sends a signal to a whole process group (the one a detached child leads), ignoring a group that is gone. */
export function signalGroup(leader: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group.
    process.kill(-leader, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Waits until none of `pids` runs any more (ended, or a zombie waiting to be reaped), polling every 10 ms
 * for at most `timeoutMs`. Resolves to those still running then (empty when all ended).
 */
export async function waitGone(pids: Iterable<number>, timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = [...pids].filter(processRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(10);
    left = left.filter(processRunning);
  }
  return left;
}

/**
 * Ends the processes that `select` picks, however they fork meanwhile: each one it picks is stopped
 * (SIGSTOP) at once, `select` runs again until it picks nothing new, then all are killed (SIGKILL) and the
 * call waits until they are gone (at most `timeoutMs`). A process is signalled only while its start time
 * is still the one seen when it was picked, so a pid that a new process reused meanwhile is left alone.
 * Resolves to the pids that were killed.
 */
export async function killProcesses(
  select: () => Iterable<number>,
  options: { timeoutMs?: number; rounds?: number } = {},
): Promise<number[]> {
  const seen = new Map<number, string>();
  const same = (pid: number) => processStat(pid)?.startTime === seen.get(pid);
  const signal = (pid: number, name: NodeJS.Signals) => {
    if (!same(pid)) return;
    try {
      process.kill(pid, name);
    } catch {
      // Gone meanwhile.
    }
  };
  for (let round = 0; round < (options.rounds ?? 20); round++) {
    let added = false;
    for (const pid of select()) {
      if (seen.has(pid)) continue;
      const start = processStat(pid)?.startTime;
      if (start === undefined) continue;
      seen.set(pid, start);
      added = true;
      signal(pid, 'SIGSTOP');
    }
    if (!added) break;
  }
  const pids = [...seen.keys()];
  for (const pid of pids) signal(pid, 'SIGKILL');
  const running = (pid: number) => {
    const stat = processStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.startTime === seen.get(pid);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  while (pids.some(running) && Date.now() < deadline) await sleep(10);
  return pids;
}
