import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processStat } from '@mr/node-kit/proc';
import { killProcesses } from '@mr/node-kit/process-tree';
import { markedProcesses } from './step-processes.js';

/**
 * Set on every pull: the executor process that started it, `<host>:<pid>:<start time>`. When that
 * executor is gone (SIGKILLed during a pull), its pull may still run; this finds it.
 */
export const PULL_VARIABLE = 'MR_EXECUTOR_PULL';

/** The executor process behind a pull, as its pull lock names it (host, pid, `processStat` start time). */
export interface Puller {
  host: string;
  pid: number;
  start: string;
}

export const pullerId = (p: Puller): string => `${p.host}:${p.pid}:${p.start}`;

/** This process as a puller on `host`. */
export function thisPuller(host: string): Puller {
  return { host, pid: process.pid, start: processStat(process.pid)?.startTime ?? 'unknown' };
}

/**
 * The temporary directory of one pull in the image directory: `.tmp-<image file>.<host>.<pid>.<start>.<random>`.
 * apptainer writes the image (and, copying from its layer cache, its own `tmp-copy-*`) inside it; the image is
 * renamed out of it when complete, and the directory removed.
 */
export const pullDirName = (fileName: string, p: Puller, random: string): string =>
  `.tmp-${fileName}.${p.host}.${p.pid}.${p.start}.${random}`;

/** The image file name and puller of such a directory name, or undefined for any other name. */
export function parsePullDir(name: string): { fileName: string; puller: Puller } | undefined {
  const m = /^\.tmp-(.+\.sif)\.(.+)\.(\d+)\.(\d+)\.([0-9a-f]+)$/.exec(name);
  if (!m) return undefined;
  return { fileName: m[1]!, puller: { host: m[2]!, pid: Number(m[3]), start: m[4]! } };
}

/** Whether a puller of this host is gone (its pid ended or belongs to another process now). */
export const pullerGone = (p: Puller, host: string): boolean =>
  p.host === host && processStat(p.pid)?.startTime !== p.start;

/**
 * Ends what pulls of gone executors of this host left: their pull processes (found by `PULL_VARIABLE`, of
 * this user) and their temporary directories in `imageDir`, for one image or all. Returns the names of the
 * directories removed. Pulls of live executors, and of other hosts (whose liveness cannot be told here), are
 * left alone.
 */
export async function removeDeadPulls(
  imageDir: string,
  host: string,
  only?: { fileName: string; puller?: Puller },
): Promise<string[]> {
  const dead = new Map<string, Puller>();
  if (only?.puller && pullerGone(only.puller, host)) dead.set(pullerId(only.puller), only.puller);
  const dirs: string[] = [];
  for (const name of await readdir(imageDir).catch(() => [] as string[])) {
    const parsed = parsePullDir(name);
    if (!parsed || (only && parsed.fileName !== only.fileName) || !pullerGone(parsed.puller, host)) continue;
    dead.set(pullerId(parsed.puller), parsed.puller);
    dirs.push(name);
  }
  if (dead.size === 0) return [];
  // First the pulls, which may still write into their directories.
  await killProcesses(() => markedProcesses(PULL_VARIABLE, (v) => dead.has(v)));
  for (const name of dirs) await rm(join(imageDir, name), { recursive: true, force: true });
  return dirs;
}
