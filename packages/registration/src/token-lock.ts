import { mkdir, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Logger, silentLogger } from '@mr/logger';
import { acquireLock } from '@mr/node-kit/lock';
import { RegistrationError } from './errors.js';

/** The lock that every command changing runner tokens holds: `<data>/<name>.tokens.lock`. */
export function tokensLockPath(tokensFile: string): string {
  return `${tokensFile}.lock`;
}

export interface TokensLockOptions {
  tokensFile: string;
  /** The generated gitlab-runner config (it holds tokens too): its temporary files are swept as well. */
  generatedConfigFile: string;
  /** What the holder does, shown to a process that waits for it (`gitlab-meta-runner configure`). */
  purpose: string;
  logger?: Logger | undefined;
  /** Stops waiting for the lock. */
  signal?: AbortSignal | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the temporary files that `writeFileAtomic` leaves when its process is killed mid-write
 * (`.<file>.<pid>.<random>.tmp` beside `file`). Called with the tokens lock held: every writer of these
 * files holds it, so no such file belongs to a live writer. Returns the paths removed.
 */
export async function sweepTemporaryFiles(files: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const file of new Set(files)) {
    const dir = dirname(file);
    const pattern = new RegExp(`^\\.${escapeRegExp(basename(file))}\\.\\d+\\.[0-9a-f]+\\.tmp$`);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!pattern.test(name)) continue;
      const path = join(dir, name);
      await unlink(path).then(
        () => removed.push(path),
        () => {},
      );
    }
  }
  return removed;
}

/**
 * Runs `work` holding the tokens lock, so that no two processes (`configure`, the renewal of `run` and
 * `run-single`, on this host or another one sharing the data directory) reset a runner token or write the
 * tokens file or the generated config at the same time. The lock is NFS-safe (`@mr/node-kit/lock`): a
 * holder that died is noticed at once on its host and after two minutes elsewhere. Leftover temporary files
 * of the token files are removed first. `work` gets a signal that aborts when the lock is taken away.
 * Throws `MR_CONFIGURE_TOKENS_LOCK` when the lock cannot be created (a read-only data directory).
 */
export async function withTokensLock<T>(
  options: TokensLockOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const logger = options.logger ?? silentLogger;
  const path = tokensLockPath(options.tokensFile);
  const lost = new AbortController();
  let lock: Awaited<ReturnType<typeof acquireLock>>;
  try {
    // The data directory holds secrets: created private, as writeFileAtomic would.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    lock = await acquireLock(path, {
      purpose: options.purpose,
      signal: options.signal,
      onWait: (owner) =>
        logger.info('waiting for another process that changes runner tokens', {
          lock: path,
          ...(owner ? { pid: owner.pid, host: owner.host, command: owner.purpose } : {}),
        }),
      onStale: (owner, reason) =>
        logger.warn(`taking over the tokens lock: ${reason}`, { lock: path, pid: owner?.pid }),
      onLost: (reason) => lost.abort(new Error(`lost the tokens lock: ${reason}`)),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'permission denied'
        : (error as Error).message;
    throw new RegistrationError(
      'MR_CONFIGURE_TOKENS_LOCK',
      `cannot create the tokens lock ${path}: ${reason}`,
      {
        hint: `the data directory ${dirname(path)} must be writable by this user; nothing was changed in GitLab`,
        cause: error,
      },
    );
  }
  try {
    const removed = await sweepTemporaryFiles([options.tokensFile, options.generatedConfigFile]);
    for (const file of removed) logger.info('removed a temporary file left by a killed process', { file });
    const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
    return await work(signal);
  } finally {
    await lock.release();
  }
}
