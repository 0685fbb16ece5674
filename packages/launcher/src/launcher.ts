import type { HeldLock, LockOwner } from '@mr/node-kit/lock';
import { type Logger, silentLogger } from '@mr/logger';
import { BatchSystems } from './batch-systems.js';
import { type CycleContext, runCycle } from './cycle.js';
import type { CycleResult } from './cycle-result.js';
import { CycleTrigger } from './cycle-trigger.js';
import { LauncherError } from './errors.js';
import { KeepAlive } from './keep-alive.js';
import { launchEnvironment } from './launch-environment.js';
import type { LauncherCore } from './launcher-core.js';
import { acquireLauncherLock, launcherLockHolder } from './launcher-lock.js';
import type { LauncherOptions } from './launcher-options.js';
import { JobMatcher } from './match.js';
import { notify } from './observer.js';
import { PendingSince } from './pickup-times.js';
import { pollLoop, type RunOptions } from './poll-loop.js';
import { projectsOfJobs } from './project-counts.js';
import type { LaunchState } from './state.js';
import { loadState, saveState } from './state-file.js';
import { TokenCheck } from './token-check.js';

export type { CycleResult, LaunchFailure } from './cycle-result.js';
export type {
  LauncherOptions,
  LauncherSettings,
  LaunchSettings,
} from './launcher-options.js';

/**
 * Polls, matches, plans and launches. Holds the data directory's lock from {@link Launcher.open} until
 * {@link Launcher.close}; keeps its state in memory and saves it after every change. A cycle is
 * {@link runCycle} and the polling between cycles {@link pollLoop}; the steps of a cycle live in their own
 * files (in-flight tracking, cancelling, launching) and reach the launcher through {@link LauncherCore}.
 */
export class Launcher {
  readonly options: LauncherOptions;
  readonly state: LaunchState;
  readonly #lock: HeldLock | undefined;
  /** Opened `readOnly`: who held the lock then (a running `run`), undefined when nobody did. */
  readonly holder: LockOwner | undefined;
  readonly #logger: Logger;
  #env: Record<string, string | undefined>;
  readonly #secrets: string[];
  readonly #systems: BatchSystems;
  readonly #core: LauncherCore;
  readonly #cycleContext: CycleContext;
  #saving: Promise<void> = Promise.resolve();
  #saveError: unknown;
  #lockLost: string | undefined;
  #cycling = false;
  readonly #trigger = new CycleTrigger();

  private constructor(
    options: LauncherOptions,
    state: LaunchState,
    lock: HeldLock | undefined,
    holder?: LockOwner,
  ) {
    this.options = options;
    this.state = state;
    this.#lock = lock;
    this.holder = holder;
    this.#logger = options.logger ?? silentLogger;
    this.#secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 4);
    this.#env = launchEnvironment(options.env, this.#secrets);
    this.#systems = new BatchSystems(options, this.#env);
    this.#core = {
      options,
      state,
      logger: this.#logger,
      systems: this.#systems,
      secrets: this.#secrets,
      env: () => this.#env,
      now: () => this.#now(),
      save: () => this.save(),
      saveQuietly: () => this.#saveQuietly(),
      lockLost: () => this.#lockLost,
      pendingSince: new PendingSince(),
      projectsOf: (jobIds) => projectsOfJobs(jobIds, this.#cycleContext.jobProjects),
    };
    const tokens = options.runnerTokens;
    this.#cycleContext = {
      core: this.#core,
      matcher: new JobMatcher(options.settings.instances),
      resourceInstances: new Map(options.settings.instances.map((i) => [i.name, i])),
      tokenCheck: tokens ? new TokenCheck(tokens, this.#logger) : undefined,
      keepAlive: tokens ? new KeepAlive(tokens, this.#logger, options.settings.keepAliveMs) : undefined,
      force: new AbortController(),
      ended: [],
      jobProjects: new Map(),
      addSecrets: (secrets) => this.addSecrets(secrets),
      takeSaveError: () => {
        const error = this.#saveError;
        this.#saveError = undefined;
        return error;
      },
    };
  }

  /**
   * Takes the lock (or throws `MR_LAUNCH_LOCKED`) and loads the state. `readOnly`: loads the state without
   * the lock, noting who holds it.
   */
  static async open(options: LauncherOptions): Promise<Launcher> {
    const lockFile = options.lockFile ?? `${options.stateFile}.lock`;
    if (options.readOnly) {
      const holder = await launcherLockHolder(lockFile, options.lockStaleMs);
      return new Launcher(options, await loadState(options.stateFile), undefined, holder);
    }
    let onLost: (reason: string) => void = () => {};
    const lock = await acquireLauncherLock(lockFile, {
      refreshMs: options.lockRefreshMs,
      staleMs: options.lockStaleMs,
      command: options.command,
      onLost: (reason) => onLost(reason),
    });
    try {
      const state = await loadState(options.stateFile);
      const launcher = new Launcher(options, state, lock);
      onLost = (reason) => launcher.#onLockLost(reason);
      return launcher;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Stops launch commands still running now (a second Ctrl-C); their launches are looked for again later. */
  forceStop(): void {
    this.#cycleContext.force.abort();
  }

  /**
   * Asks for a cycle now (a webhook said a job became pending). Hints during a wait or a cycle coalesce into
   * one cycle, which starts as soon as the current one ends; the poll goes on as before.
   */
  wake(reason: string): void {
    this.#trigger.fire(reason);
  }

  /** Adds secrets (new runner tokens after a rotation): removed from launch environments and redacted. */
  addSecrets(secrets: Iterable<string>): void {
    const before = this.#secrets.length;
    for (const secret of secrets)
      if (secret.length >= 4 && !this.#secrets.includes(secret)) this.#secrets.push(secret);
    if (this.#secrets.length === before) return;
    this.#env = launchEnvironment(this.options.env, this.#secrets);
    this.#systems.setEnv(this.#env);
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  #onLockLost(reason: string): void {
    this.#lockLost = reason;
    this.#logger.error(`lost the launcher lock: ${reason}; no more launches`);
  }

  /** Saves the state; saves are queued so that they never overlap. */
  save(): Promise<void> {
    if (!this.#lock) return Promise.resolve();
    const now = this.#now();
    this.#saving = this.#saving.then(
      () => saveState(this.options.stateFile, this.state, now),
      () => saveState(this.options.stateFile, this.state, now),
    );
    return this.#saving;
  }

  /** Saves while launch commands run: a failure is kept and thrown at the end of the cycle. */
  async #saveQuietly(): Promise<void> {
    try {
      await this.save();
    } catch (error) {
      this.#saveError ??= error;
    }
  }

  /**
   * One cycle: ask the batch system which launches are still in flight, read the pending jobs, match, plan,
   * launch, save. `signal` stops the cycle before it launches; launches already started always finish.
   * With `dryRun`, the cycle asks and plans the same way but launches nothing, cancels nothing and saves
   * nothing: `result.dryRun` describes the launches it would have made.
   */
  async cycle(
    signal: AbortSignal = new AbortController().signal,
    options: { dryRun?: boolean } = {},
  ): Promise<CycleResult> {
    if (this.#cycling) throw new LauncherError('MR_LAUNCH_BUSY', 'A cycle is already running');
    const dryRun = options.dryRun === true;
    if (!dryRun && !this.#lock)
      throw new LauncherError(
        'MR_LAUNCH_READ_ONLY',
        'This launcher was opened without the lock, to look only',
        {
          hint: 'Open it without readOnly to launch.',
        },
      );
    this.#cycling = true;
    try {
      const result = await runCycle(this.#cycleContext, signal, dryRun);
      if (!dryRun) notify(this.options.observer, 'cycle', result, this.state, this.#now());
      return result;
    } catch (error) {
      if (!dryRun) notify(this.options.observer, 'cycleError', error, this.state, this.#now());
      throw error;
    } finally {
      this.#cycling = false;
    }
  }

  /**
   * Runs cycles until `signal` fires: one cycle, then a wait until `intervalMs` after its start (at once when
   * it took longer). A failed cycle is logged and the next one runs on time. `beforeCycle` runs first in
   * every cycle (token rotation); its errors are logged too.
   */
  run(options: RunOptions): Promise<void> {
    return pollLoop(this.#core, this.#trigger, (signal) => this.cycle(signal), options);
  }

  /** Waits for saves, releases the lock. */
  async close(): Promise<void> {
    await this.#saving.catch(() => {});
    await this.#lock?.release();
  }
}
