import { randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NodeKitError } from './errors.js';
import { NO_HARD_LINKS, writeExclusive } from './exclusive-write.js';

export interface WriteFileAtomicOptions {
  /** Permissions of the file. Default 0o600: files this tool writes are private unless said otherwise. */
  mode?: number;
  /** Create the directory (mode 0o700) when it does not exist. Default false. */
  mkdir?: boolean;
  /** Replace an existing file. Default true; when false an existing file is an error (EEXIST) and is kept. */
  overwrite?: boolean;
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems cannot sync a directory; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * Writes a file so that readers see the old or the new content, never a part: a temporary file in the same
 * directory, flushed to disk, renamed into place, then the directory flushed. The mode is set exactly
 * (whatever the umask). Errors are {@link NodeKitError}s with code `MR_WRITE_FAILED` (or
 * `MR_WRITE_EXISTS` when `overwrite` is false and the file exists).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    if (options.mkdir) await mkdir(dir, { recursive: true, mode: 0o700 });
    // The name is random: if anything is at `temp` after this, it is ours to remove.
    created = true;
    await writeExclusive(temp, data, mode);
    if (options.overwrite === false) {
      try {
        await link(temp, path);
      } catch (error) {
        // File systems without hard links: create the file exclusively instead (not atomic, never overwrites).
        if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        await writeExclusive(path, data, mode);
      }
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
    created = false;
    await syncDirectory(dir);
  } catch (error) {
    if (created) await unlink(temp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && options.overwrite === false) {
      throw new NodeKitError('MR_WRITE_EXISTS', `${path} already exists; it was left unchanged`, {
        cause: error,
      });
    }
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
    throw new NodeKitError('MR_WRITE_FAILED', `cannot write ${path}: ${reason}`, { cause: error });
  }
}
