import { setTimeout as sleep } from 'node:timers/promises';
import { listProcesses, processRunning } from './proc.js';

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
