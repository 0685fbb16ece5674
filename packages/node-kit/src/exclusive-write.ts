import { open } from 'node:fs/promises';

/** Errors of `link(2)` on file systems that have no hard links (some FUSE and object-store mounts). */
export const NO_HARD_LINKS: ReadonlySet<string> = new Set([
  'EPERM',
  'ENOTSUP',
  'EOPNOTSUPP',
  'ENOSYS',
  'EMLINK',
  'EXDEV',
]);

/**
 * Creates `path` with `data` only if it does not exist (EEXIST otherwise), with exactly `mode`, flushed to
 * disk. The fallback where `link(2)` is not available: exclusive, but a reader may see it half-written.
 */
export async function writeExclusive(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
