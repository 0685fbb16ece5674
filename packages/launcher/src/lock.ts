import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LaunchLockedError } from './errors.js';

/** What the lock file says about its holder. */
export interface LockHolder {
  host: string;
  pid: number;
  /** Start time of the process from `/proc/<pid>/stat` (clock ticks since boot), to detect a reused pid. */
  processStart?: string | undefined;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** Random id of this holding; only the holder knows it. */
  token: string;
  /** The command that holds it, for the message the second launcher prints. */
  command?: string | undefined;
}

export interface LockOptions {
  /** Refresh the lock file's time this often (ms). Default 10 s. */
  refreshMs?: number | undefined;
  /**
   * A lock whose file was not refreshed for this long is stale, whichever host holds it (ms). Default 60 s.
   * On the holder's own host a lock is also stale as soon as its process is gone.
   */
  staleMs?: number | undefined;
  /** Called when the lock was taken away (its file removed or replaced); the holder must stop launching. */
  onLost?: ((reason: string) => void) | undefined;
  command?: string | undefined;
}

function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) follows the command name in parentheses, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const data = JSON.parse(text) as Partial<LockHolder>;
    if (typeof data.host === 'string' && typeof data.pid === 'number' && typeof data.token === 'string')
      return {
        host: data.host,
        pid: data.pid,
        processStart: typeof data.processStart === 'string' ? data.processStart : undefined,
        since: typeof data.since === 'string' ? data.since : '',
        token: data.token,
        command: typeof data.command === 'string' ? data.command : undefined,
      };
  } catch {
    // An unreadable lock file is judged by its age alone.
  }
  return undefined;
}

/** Why a lock held by `holder` (file last refreshed at `mtimeMs`) is stale, or undefined when it is alive. */
export function staleReason(
  holder: LockHolder | undefined,
  mtimeMs: number,
  staleMs: number,
  now = Date.now(),
  thisHost = hostname(),
): string | undefined {
  if (now - mtimeMs > staleMs) return `not refreshed for ${Math.round((now - mtimeMs) / 1000)} s`;
  if (!holder) return undefined;
  if (holder.host !== thisHost) return undefined;
  if (!processAlive(holder.pid)) return `process ${holder.pid} on ${holder.host} is gone`;
  const start = processStartOf(holder.pid);
  if (holder.processStart && start && start !== holder.processStart)
    return `process ${holder.pid} on ${holder.host} is another process now`;
  return undefined;
}

/**
 * A lock that keeps two launchers from launching for the same data directory, also on shared (NFS) file
 * systems where `flock` is not reliable: the lock file is created with an atomic `link()` of a private file,
 * names its holder (host, pid, start), and is refreshed every few seconds. A lock is stale when its file was
 * not refreshed for `staleMs`, or when its holder runs on this host and its process is gone; a stale lock is
 * taken over by renaming it away first, so only one of two competing launchers wins.
 */
export class LauncherLock {
  readonly file: string;
  readonly holder: LockHolder;
  readonly #options: LockOptions;
  #timer: NodeJS.Timeout | undefined;
  #released = false;
  #lost = false;

  private constructor(file: string, holder: LockHolder, options: LockOptions) {
    this.file = file;
    this.holder = holder;
    this.#options = options;
  }

  /** Takes the lock or throws {@link LaunchLockedError} naming the launcher that holds it. */
  static async acquire(file: string, options: LockOptions = {}): Promise<LauncherLock> {
    const holder: LockHolder = {
      host: hostname(),
      pid: process.pid,
      processStart: processStartOf(process.pid),
      since: new Date().toISOString(),
      token: randomUUID(),
      command: options.command,
    };
    const text = `${JSON.stringify(holder)}\n`;
    const staleMs = options.staleMs ?? 60_000;
    await mkdir(dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createExclusive(file, text, holder.token)) {
        const lock = new LauncherLock(file, holder, options);
        lock.#startRefresh();
        return lock;
      }
      let existing: string;
      let mtimeMs: number;
      try {
        existing = await readFile(file, 'utf8');
        mtimeMs = (await stat(file)).mtimeMs;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const other = parseHolder(existing);
      const reason = staleReason(other, mtimeMs, staleMs);
      if (!reason) {
        const who = other ? `process ${other.pid} on ${other.host}` : 'another process';
        throw new LaunchLockedError(
          `Another launcher (${who}${other?.since ? `, since ${other.since}` : ''}) holds ${file}`,
          {
            lockFile: file,
            holder: other ? { host: other.host, pid: other.pid, since: other.since } : undefined,
            details: other?.command ? [`its command: ${other.command}`] : undefined,
            hint:
              'Only one `run` or `run-single` may launch for a data directory at a time. Stop the other one, ' +
              `or wait: a lock not refreshed for ${Math.round(staleMs / 1000)} s is taken over.`,
          },
        );
      }
      await breakStale(file, existing);
    }
    throw new LaunchLockedError(`Could not take ${file}: other launchers keep taking it`, { lockFile: file });
  }

  /** False once the lock was released or taken away. */
  get held(): boolean {
    return !this.#released && !this.#lost;
  }

  /** Checks that the lock file still names this holder, and refreshes its time. */
  async refresh(): Promise<boolean> {
    if (!this.held) return false;
    try {
      const current = parseHolder(await readFile(this.file, 'utf8'));
      if (current?.token !== this.holder.token) {
        this.#loseLock(
          `the lock file ${this.file} now belongs to ${current ? `process ${current.pid} on ${current.host}` : 'nobody'}`,
        );
        return false;
      }
      const now = new Date();
      await utimes(this.file, now, now);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#loseLock(`the lock file ${this.file} was removed`);
        return false;
      }
      // A transient I/O error: try again at the next refresh.
      return true;
    }
  }

  /** Releases the lock (removes the file if it is still this holder's). */
  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#released) return;
    this.#released = true;
    if (this.#lost) return;
    try {
      const current = parseHolder(await readFile(this.file, 'utf8'));
      if (current?.token === this.holder.token) await unlink(this.file);
    } catch {
      // Already gone.
    }
  }

  #loseLock(reason: string): void {
    if (this.#lost) return;
    this.#lost = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#options.onLost?.(reason);
  }

  #startRefresh(): void {
    const every = this.#options.refreshMs ?? 10_000;
    this.#timer = setInterval(() => void this.refresh(), every);
    this.#timer.unref();
  }
}

/** Creates `file` with `text` only if it does not exist; true on success. */
async function createExclusive(file: string, text: string, token: string): Promise<boolean> {
  const temp = `${file}.${token}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') {
      // File systems without hard links: an exclusive create is the next best thing.
      try {
        const handle = await open(file, 'wx', 0o644);
        await handle.writeFile(text);
        await handle.close();
        return true;
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw inner;
      }
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Moves a stale lock away, unless it changed since it was judged stale (then puts it back). */
async function breakStale(file: string, judged: string): Promise<void> {
  const aside = `${file}.stale-${randomUUID()}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => judged);
  if (moved !== judged) {
    // Another launcher took the lock between our read and our rename: give it back.
    await link(aside, file).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}
