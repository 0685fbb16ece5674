import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { listProcesses, processStat } from '@mr/node-kit/proc';
import type { LaunchCommandProcess, LaunchRecord } from './state.js';

/** The variable that carries a launch's id into its launch command (and everything it starts). */
export const LAUNCH_ID_VARIABLE = 'MR_LAUNCH_ID';

/** What a launch command recorded as started can be known to do now. */
export type CommandState = 'running' | 'gone' | 'unknown';

/** The process of a launch command that has just started, for its record. */
export function commandProcess(pid: number): LaunchCommandProcess {
  return { host: hostname(), pid, startTime: processStat(pid)?.startTime };
}

/** The launch ids found in the environments of this host's processes (those this user may read). */
function launchIdsRunning(wanted: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  const prefix = `${LAUNCH_ID_VARIABLE}=`;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    const at = environ.indexOf(prefix);
    if (at < 0) continue;
    const end = environ.indexOf('\0', at);
    const id = environ.slice(at + prefix.length, end < 0 ? undefined : end);
    if (wanted.has(id) && processStat(Number(entry))?.state !== 'Z') found.add(id);
  }
  return found;
}

/**
 * Whether the launch commands of `starting` launches (a launcher that was killed while they ran) still run
 * on this host: their recorded process (same pid and start time), any process of their process group, or
 * any process whose environment carries their launch id (a command that forked, or whose pid was never
 * saved). `unknown` where this cannot be told: another host started it, or there is no `/proc`.
 */
export function launchCommandStates(records: readonly LaunchRecord[]): Map<LaunchRecord, CommandState> {
  const out = new Map<LaunchRecord, CommandState>();
  if (records.length === 0) return out;
  let proc = true;
  try {
    readdirSync('/proc/self');
  } catch {
    proc = false;
  }
  const here = hostname();
  const local = records.filter((r) => proc && (r.command === undefined || r.command.host === here));
  for (const r of records) if (!local.includes(r)) out.set(r, 'unknown');
  if (local.length === 0) return out;
  const byEnv = launchIdsRunning(new Set(local.map((r) => r.id)));
  const groups = new Set<number>();
  for (const p of listProcesses()) if (p.state !== 'Z') groups.add(p.pgrp);
  for (const record of local) {
    const command = record.command;
    let running = byEnv.has(record.id);
    if (!running && command) {
      const stat = processStat(command.pid);
      const same = stat !== undefined && (!command.startTime || stat.startTime === command.startTime);
      running = (same && stat.state !== 'Z') || (!stat && groups.has(command.pid));
    }
    out.set(record, running ? 'running' : 'gone');
  }
  return out;
}
