import { mkdir, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Directory of the in-use markers inside the image directory. */
export const IN_USE_DIR = '.in-use';

/** Markers older than this are left over from jobs that never ran cleanup (a node crashed). */
export const IN_USE_STALE_MS = 7 * 86_400_000;

const markerName = (fileName: string, host: string, jobId: string) => `${fileName}@${host}@${jobId}`;

/** Records that a job uses an image (prepare) or still uses it (run): housekeeping leaves it alone. */
export async function markInUse(
  imageDir: string,
  fileName: string,
  host: string,
  jobId: string,
): Promise<void> {
  const dir = join(imageDir, IN_USE_DIR);
  const path = join(dir, markerName(fileName, host, jobId));
  const now = new Date();
  try {
    await utimes(path, now, now);
  } catch {
    await mkdir(dir, { recursive: true });
    await writeFile(path, '');
  }
}

/** Removes a job's in-use markers (cleanup). Missing markers are fine. */
export async function unmarkInUse(imageDir: string, host: string, jobId: string): Promise<void> {
  const dir = join(imageDir, IN_USE_DIR);
  const suffix = `@${host}@${jobId}`;
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.endsWith(suffix)).map((n) => unlink(join(dir, n)).catch(() => {})));
}

/** The image file names that running jobs use (markers younger than {@link IN_USE_STALE_MS}). */
export async function imagesInUse(imageDir: string, now = Date.now()): Promise<Set<string>> {
  const dir = join(imageDir, IN_USE_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const used = new Set<string>();
  await Promise.all(
    names.map(async (name) => {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (!info) return;
      if (now - info.mtimeMs > IN_USE_STALE_MS) {
        await unlink(join(dir, name)).catch(() => {});
        return;
      }
      used.add(name.slice(0, name.indexOf('@')));
    }),
  );
  return used;
}

/** Marks an image file as just used (its access time) for least-recently-used eviction. */
export async function touchImage(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info) await utimes(path, new Date(), info.mtime).catch(() => {});
}
