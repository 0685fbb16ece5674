import { existsSync } from 'node:fs';
import { type RunnerToken, readTokens, type TokensFile, writeTokens } from '@mr/runner-config';

/**
 * The tokens file as it is being changed: every change is written at once (atomically, mode 0600), one
 * write after the other. `ready()` resolves when the file on disk holds every change made so far; callers
 * await it before each GitLab request, so a token is on disk before the next request starts.
 *
 * Each write applies this store's own changes to the file as it is on disk at that moment. Writers hold the
 * tokens lock (see `withTokensLock`), so no other process changes the file meanwhile; the merge keeps
 * entries written by a process that does not take the lock (an older version).
 */
export class TokenStore {
  readonly path: string;
  #tokens: TokensFile;
  /** This store's changes: an entry, or null for a removed one. */
  readonly #own = new Map<string, RunnerToken | null>();
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;
  #changed = false;
  #probed = false;

  constructor(path: string, tokens: TokensFile) {
    this.path = path;
    this.#tokens = { ...tokens };
  }

  /** A copy of the current entries. */
  get tokens(): TokensFile {
    return { ...this.#tokens };
  }

  /** Whether anything was changed. */
  get changed(): boolean {
    return this.#changed;
  }

  /** The error of the write that failed, if one did; nothing more is written after it. */
  get failure(): unknown {
    return this.#failure;
  }

  get(instance: string): RunnerToken | undefined {
    return Object.hasOwn(this.#tokens, instance) ? this.#tokens[instance] : undefined;
  }

  /** Stores an entry and resolves once the file holds it. */
  set(instance: string, entry: RunnerToken): Promise<void> {
    this.#tokens[instance] = entry;
    this.#own.set(instance, entry);
    return this.#write();
  }

  /** Removes an entry and resolves once the file no longer holds it. */
  delete(instance: string): Promise<void> {
    delete this.#tokens[instance];
    this.#own.set(instance, null);
    return this.#write();
  }

  /** Resolves when every change is on disk; rejects (for good) once a write failed. */
  async ready(): Promise<void> {
    await this.#writing;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /**
   * Rewrites an existing file as it is on disk merged with this store's changes, to prove before a GitLab
   * request that a token it returns can be stored. Only the first call writes; a missing file is left
   * missing (creating it needs only the directory, which the caller proves writable).
   */
  probe(): Promise<void> {
    if (!this.#probed) {
      this.#probed = true;
      this.#writing = this.#writing.then(() => (existsSync(this.path) ? this.#flush() : undefined));
    }
    return this.ready();
  }

  #write(): Promise<void> {
    this.#changed = true;
    this.#probed = true;
    this.#writing = this.#writing.then(() => this.#flush());
    return this.ready();
  }

  async #flush(): Promise<void> {
    if (this.#failure !== undefined) return;
    try {
      // A file that is gone or cannot be read now is replaced by this store's view, which holds every
      // token it knew.
      const onDisk = existsSync(this.path)
        ? await readTokens(this.path).catch(() => this.#tokens)
        : this.#tokens;
      const merged: TokensFile = { ...onDisk };
      for (const [instance, entry] of this.#own) {
        if (entry === null) delete merged[instance];
        else merged[instance] = entry;
      }
      await writeTokens(this.path, merged);
      this.#tokens = merged;
    } catch (error) {
      this.#failure = error;
    }
  }
}
