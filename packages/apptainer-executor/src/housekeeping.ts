import { readdir, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { imagesInUse } from './image-usage.js';
import { parsePullDir, removeDeadPulls } from './pull-leftovers.js';
import { isLockLive, type LockTiming, tryAcquireLock } from '@mr/node-kit/lock';

export interface HousekeepingOptions {
  /** Keep the images in the directory under this many bytes, evicting the least recently used. */
  maxSize?: number | undefined;
  /** Evict images not used for this long (ms). */
  maxAge?: number | undefined;
  /** Image file names never to evict (the current job's). */
  keep?: readonly string[];
  now?: number;
  lockTiming?: Partial<LockTiming> | undefined;
  host?: string | undefined;
}

export interface HousekeepingResult {
  /** Evicted image file names, least recently used first. */
  removed: Array<{ name: string; size: number; reason: 'age' | 'size' }>;
  /** Temporary files of abandoned pulls that were removed. */
  temporaries: string[];
  /** Bytes of images left. */
  total: number;
  /** False when another process was doing housekeeping already. */
  ran: boolean;
}

/** Temporary pull files of dead pulls are removed after this long. */
const ABANDONED_TEMP_MS = 3_600_000;

/**
 * Removes the temporary files of abandoned pulls, then evicts images no running job uses: those unused for longer than `maxAge`, then the least recently used
 * until the directory holds at most `maxSize` bytes. Images in use (in-use markers), being pulled (a live
 * lock) or in `keep` are never removed. Runs under a lock so that one process at a time does it.
 */
export async function evictImages(
  imageDir: string,
  options: HousekeepingOptions,
): Promise<HousekeepingResult> {
  const { lock } = await tryAcquireLock(join(imageDir, '.housekeeping.lock'), {
    purpose: 'evicting images',
    timing: options.lockTiming,
    host: options.host,
  });
  if (!lock) return { removed: [], temporaries: [], total: 0, ran: false };
  try {
    return await evict(imageDir, options);
  } finally {
    await lock.release();
  }
}

async function evict(imageDir: string, options: HousekeepingOptions): Promise<HousekeepingResult> {
  const now = options.now ?? Date.now();
  // Pulls of executors of this node that are gone: their pulls are ended and their files removed at once.
  const temporaries = await removeDeadPulls(imageDir, options.host ?? hostname());
  const names = (await readdir(imageDir)).filter((n) => !temporaries.includes(n));
  const live = (name: string) => isLockLive(join(imageDir, `${name}.lock`), options.lockTiming, options.host);
  // Other abandoned temporary files of pulls: ours of other nodes (`.tmp-<image>.<host>.<pid>.<start>.<random>`,
  // or without the start time from older releases; skipped while that image's pull lock is live) and
  // apptainer's own `tmp-copy-*`, written in the destination's directory while a pull copies the image out
  // of its cache (MakeTmpFile in internal/pkg/util/fs/helper.go, apptainer v1.0.0). A file nobody wrote to
  // for an hour is abandoned.
  for (const name of names) {
    const ours = name.startsWith('.tmp-');
    if (!ours && !name.startsWith('tmp-copy-')) continue;
    const info = await stat(join(imageDir, name)).catch(() => undefined);
    if (!info || now - info.mtimeMs <= ABANDONED_TEMP_MS) continue;
    const image = parsePullDir(name)?.fileName ?? name.slice(5, name.lastIndexOf('.sif') + 4);
    if (ours && (await live(image))) continue;
    await rm(join(imageDir, name), { force: true, recursive: true });
    temporaries.push(name);
  }
  const images: Array<{ name: string; size: number; lastUsed: number }> = [];
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.sif')) continue;
    const info = await stat(join(imageDir, name)).catch(() => undefined);
    if (info?.isFile())
      images.push({ name, size: info.size, lastUsed: Math.max(info.atimeMs, info.mtimeMs) });
  }
  images.sort((a, b) => a.lastUsed - b.lastUsed);
  const keep = new Set(options.keep ?? []);
  const protectedNow = async (name: string) =>
    keep.has(name) || (await imagesInUse(imageDir, now)).has(name) || (await live(name));
  const removed: HousekeepingResult['removed'] = [];
  let total = images.reduce((sum, i) => sum + i.size, 0);
  for (const image of images) {
    const tooOld = options.maxAge !== undefined && now - image.lastUsed > options.maxAge;
    const tooBig = options.maxSize !== undefined && total > options.maxSize;
    if (!tooOld && !tooBig) continue;
    // Checked right before each removal, so a job that starts using the image meanwhile keeps it.
    if (await protectedNow(image.name)) continue;
    await unlink(join(imageDir, image.name)).catch(() => {});
    total -= image.size;
    removed.push({ name: image.name, size: image.size, reason: tooOld ? 'age' : 'size' });
  }
  return { removed, temporaries, total, ran: true };
}
