import type { HeldLock } from '@mr/node-kit/lock';
import { redactText as redact } from '@mr/node-kit/redact';
import { type Logger, silentLogger } from '@mr/logger';
import { inBackoff } from './backoff.js';
import { BatchSystems } from './batch-systems.js';
import { cancelStale } from './cancel-stale.js';
import { CycleTrigger } from './cycle-trigger.js';
import { DEFAULT_MAX_LAUNCHES_PER_CYCLE, limitCycleLaunches } from './cycle-limit.js';
import { describeLaunch } from './dry-run.js';
import { LauncherError } from './errors.js';
import { inFlightLaunches, refreshInFlight } from './in-flight.js';
import { launchAll } from './launch-all.js';
import type { LauncherCore } from './launcher-core.js';
import { type CycleResult, cycleLogFields, cycleSummary, emptyCycleResult } from './cycle-result.js';
import type { LauncherOptions } from './launcher-options.js';
import { acquireLauncherLock } from './launcher-lock.js';
import { KeepAlive } from './keep-alive.js';
import { JobMatcher, type MatchableJob } from './match.js';
import { notify } from './observer.js';
import { PendingSince } from './pickup-times.js';
import { countByProject, projectsOfJobs } from './project-counts.js';
import { planLaunches } from './plan.js';
import { reassignEndedJobs } from './reassign.js';
import { type PaceSettings, PollPacer, type RateLimitSnapshot } from './poll-pace.js';
import {
  instancesWaitingBehindQueue,
  jobsNearLimits,
  reportNearLimits,
  type WaitingJob,
} from './queue-wait.js';
import { launchEnvironment } from './launch-environment.js';
import { capInstanceLaunches, resourcePlanInstances } from './resource-cycle.js';
import { matchWithResources, type ResourceInstance } from './resources.js';
import type { LaunchRecord, LaunchState } from './state.js';
import { loadState, saveState } from './state-file.js';
import { TokenCheck } from './token-check.js';
import { reportUnmatched, reportWaiting } from './waiting-jobs.js';

export type { CycleResult, LaunchFailure } from './cycle-result.js';
export type {
  LauncherOptions,
  LauncherSettings,
  LaunchSettings,
} from './launcher-options.js';

/**
 * Polls, matches, plans and launches. Holds the data directory's lock from {@link Launcher.open} until
 * {@link Launcher.close}; keeps its state in memory and saves it after every change. The steps of a cycle
 * live in their own files (in-flight tracking, cancelling, launching); they reach the launcher through
 * {@link LauncherCore}.
 */
export class Launcher {
  readonly options: LauncherOptions;
  readonly state: LaunchState;
  readonly #lock: HeldLock;
  readonly #logger: Logger;
  readonly #matcher: JobMatcher;
  readonly #resourceInstances: Map<string, ResourceInstance>;
  #env: Record<string, string | undefined>;
  readonly #secrets: string[];
  readonly #systems: BatchSystems;
  readonly #core: LauncherCore;
  #saving: Promise<void> = Promise.resolve();
  #saveError: unknown;
  #lockLost: string | undefined;
  #cycling = false;
  /** Launches that ended and whose jobs are not yet handed on (a cycle whose job list failed keeps them). */
  #ended: LaunchRecord[] = [];
  readonly #force = new AbortController();
  readonly #tokenCheck: TokenCheck | undefined;
  readonly #keepAlive: KeepAlive | undefined;
  readonly #trigger = new CycleTrigger();
  /** Job id → its project's path, for the pending jobs of the current cycle. */
  #jobProjects = new Map<number, string>();

  private constructor(options: LauncherOptions, state: LaunchState, lock: HeldLock) {
    this.options = options;
    this.state = state;
    this.#lock = lock;
    this.#logger = options.logger ?? silentLogger;
    this.#matcher = new JobMatcher(options.settings.instances);
    this.#resourceInstances = new Map(options.settings.instances.map((i) => [i.name, i]));
    this.#secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 4);
    this.#env = launchEnvironment(options.env, this.#secrets);
    this.#systems = new BatchSystems(options, this.#env);
    if (options.runnerTokens) {
      this.#tokenCheck = new TokenCheck(options.runnerTokens, this.#logger);
      this.#keepAlive = new KeepAlive(options.runnerTokens, this.#logger, options.settings.keepAliveMs);
    }
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
      projectsOf: (jobIds) => projectsOfJobs(jobIds, this.#jobProjects),
    };
  }

  /** Takes the lock (or throws `MR_LAUNCH_LOCKED`) and loads the state. */
  static async open(options: LauncherOptions): Promise<Launcher> {
    const lockFile = options.lockFile ?? `${options.stateFile}.lock`;
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
    this.#force.abort();
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
    this.#cycling = true;
    const dryRun = options.dryRun === true;
    try {
      const result = await this.#cycle(signal, dryRun);
      if (!dryRun) notify(this.options.observer, 'cycle', result, this.state, this.#now());
      return result;
    } catch (error) {
      if (!dryRun) notify(this.options.observer, 'cycleError', error, this.state, this.#now());
      throw error;
    } finally {
      this.#cycling = false;
    }
  }

  async #cycle(signal: AbortSignal, dryRun: boolean): Promise<CycleResult> {
    const result = emptyCycleResult();
    if (this.#lockLost)
      throw new LauncherError('MR_LAUNCH_LOCK_LOST', `The launcher lock was lost: ${this.#lockLost}`, {
        hint: 'Another launcher took over the data directory; this one stops.',
      });
    const settings = this.options.settings;
    const ended = await refreshInFlight(this.#core, this.#now());

    let jobs: readonly MatchableJob[];
    try {
      jobs = await this.options.listPendingJobs(signal);
    } catch (error) {
      this.#ended.push(...ended);
      if (signal.aborted) {
        result.interrupted = true;
        result.inFlight = this.state.launches.length;
        if (!dryRun) await this.save();
        return result;
      }
      if (!dryRun) await this.save();
      throw error;
    }
    const now = this.#now();
    const pendingIds = new Set(jobs.map((job) => job.id));
    this.#jobProjects = new Map();
    for (const job of jobs) if (job.project) this.#jobProjects.set(job.id, job.project);
    this.#handOn([...this.#ended.splice(0), ...ended], pendingIds);
    if (!dryRun) {
      notify(this.options.observer, 'pendingJobs', jobs, now);
      this.#core.pendingSince.seen(jobs, now);
    }
    const matches = matchWithResources(jobs, this.#matcher, this.#resourceInstances);
    result.pending = jobs.length;
    for (const [name, ids] of matches.byInstance) {
      result.matched[name] = ids.length;
      result.matchedJobIds.push(...ids);
    }
    result.unmatched = matches.unmatched.length;
    if (!dryRun) this.state.lastCycle = cycleSummary(result, now);
    result.refused = matches.refused;
    const reasons = new Map(matches.refused.map((r) => [r.job, r.reason]));
    reportUnmatched(this.state, matches.unmatched, this.#logger, reasons);
    const resources = await resourcePlanInstances(this.#core, matches, signal, dryRun);
    this.addSecrets(resources.secrets);
    if (this.#tokenCheck) {
      // A launch that ended while its jobs are still pending may have met a refused token.
      for (const record of ended)
        if (record.jobIds.some((id) => pendingIds.has(id))) this.#tokenCheck.recheck(record.instance);
      const names = settings.instances.map((i) => i.name);
      this.addSecrets(await this.#tokenCheck.check(this.state, names, now, signal));
    }

    if (settings.cancelStale && !dryRun) result.cancelled = await cancelStale(this.#core, matches.byInstance);

    const blocked = new Set<string>();
    for (const [name, record] of Object.entries(this.state.backoff))
      if (inBackoff(record, now)) blocked.add(name);
    const plan = planLaunches({
      instances: [...settings.instances, ...resources.instances],
      pending: matches.byInstance,
      inFlight: inFlightLaunches(this.state),
      maxInFlight: settings.maxInFlight,
      blocked,
      refused: new Set(Object.keys(this.state.refusedTokens)),
    });
    if (resources.instances.length > 0 && this.options.resourceSets)
      capInstanceLaunches(plan, settings.instances, this.options.resourceSets, this.state.launches);
    result.deferred = limitCycleLaunches(
      plan,
      [...settings.instances, ...resources.instances],
      settings.maxLaunchesPerCycle ?? DEFAULT_MAX_LAUNCHES_PER_CYCLE,
    );
    reportWaiting(this.state, plan, this.#logger);
    if (dryRun) {
      result.dryRun = plan.launches.map((launch) => describeLaunch(this.#core, launch));
      result.inFlight = this.state.launches.length;
      return result;
    }

    if (signal.aborted || this.#lockLost) {
      result.interrupted = true;
    } else if (plan.launches.length > 0) {
      await launchAll(this.#core, plan.launches, signal, this.#force, result);
    }
    // After the launches, so that a job near a limit names the batch job just submitted for it.
    await this.#queueWait(jobs, matches.byInstance, now, signal);
    result.inFlight = this.state.launches.length;
    const launched = new Set(this.state.launches.flatMap((l) => l.jobIds));
    this.state.projects = countByProject(jobs, new Set(result.matchedJobIds), launched);
    await this.#saveQuietly();
    if (this.#saveError) {
      const error = this.#saveError;
      this.#saveError = undefined;
      throw error;
    }
    this.#logger.info('cycle', cycleLogFields(result));
    return result;
  }

  /**
   * Matched jobs and GitLab's limits on pending jobs: warns about jobs near a limit (kept in the state for
   * `status`) and keeps the runners of instances whose jobs wait behind queued launches online.
   */
  async #queueWait(
    jobs: readonly MatchableJob[],
    byInstance: ReadonlyMap<string, readonly number[]>,
    now: Date,
    signal: AbortSignal,
  ): Promise<void> {
    const created = new Map(jobs.map((job) => [job.id, job.created_at]));
    const waiting: WaitingJob[] = [];
    for (const [instance, ids] of byInstance)
      for (const id of ids)
        waiting.push({ id, instance, project: this.#jobProjects.get(id), createdAt: created.get(id) });
    const near = jobsNearLimits(waiting, this.state.launches, now);
    reportNearLimits(near, this.state.queueWaits ?? [], this.#logger);
    this.state.queueWaits = near;
    await this.#keepAlive?.run(instancesWaitingBehindQueue(waiting, this.state.launches), now, signal);
  }

  /**
   * Runs cycles until `signal` fires: one cycle, then a wait until `intervalMs` after its start (at once when
   * it took longer). A failed cycle is logged and the next one runs on time. `beforeCycle` runs first in
   * every cycle (token rotation); its errors are logged too.
   */
  async run(options: {
    intervalMs: number;
    signal: AbortSignal;
    /** `[poll] adaptive` and `fast_interval`; default a fixed `intervalMs`. */
    pace?: Partial<Omit<PaceSettings, 'intervalMs'>> | undefined;
    /** GitLab's latest RateLimit-* headers (the client's `rateLimit()`). */
    rateLimit?: (() => RateLimitSnapshot | undefined) | undefined;
    beforeCycle?: (signal: AbortSignal) => Promise<void>;
    onCycle?: (result: CycleResult) => void;
  }): Promise<void> {
    const { signal } = options;
    const pacer = new PollPacer({
      intervalMs: options.intervalMs,
      adaptive: options.pace?.adaptive ?? false,
      fastMs: options.pace?.fastMs ?? options.intervalMs,
    });
    let seen = new Set<number>();
    while (!signal.aborted) {
      if (this.#lockLost)
        throw new LauncherError('MR_LAUNCH_LOCK_LOST', `The launcher lock was lost: ${this.#lockLost}`);
      const started = Date.now();
      if (options.beforeCycle) {
        try {
          await options.beforeCycle(signal);
        } catch (error) {
          if (!signal.aborted) this.#logError(error);
        }
      }
      if (signal.aborted) break;
      let result: CycleResult | undefined;
      try {
        result = await this.cycle(signal);
        options.onCycle?.(result);
      } catch (error) {
        if ((error as LauncherError).code === 'MR_LAUNCH_LOCK_LOST') throw error;
        if (!signal.aborted) this.#logError(error);
      }
      const matched = result?.matchedJobIds ?? [];
      const next = pacer.next({
        launched: result?.launched ?? 0,
        deferred: result?.deferred ?? 0,
        newMatched: matched.filter((id) => !seen.has(id)).length,
        matchedPending: matched.length,
        failed: result === undefined,
        rateLimit: options.rateLimit?.(),
        now: new Date(),
      });
      if (result) seen = new Set(matched);
      this.#logger.verbose('next poll', { in_s: next.delayMs / 1000, reason: next.reason });
      // The wait ends early when the signal aborts (the loop then ends) or a hint asks for a cycle.
      const hints = await this.#trigger.wait(Math.max(0, next.delayMs - (Date.now() - started)), signal);
      if (hints.length > 0 && !signal.aborted)
        this.#logger.info(`cycle now: ${hints[0]}`, hints.length > 1 ? { coalesced: hints.length } : {});
    }
  }

  /** Hands the still-pending jobs of ended launches to launches in flight whose runners took others. */
  #handOn(ended: readonly LaunchRecord[], pending: ReadonlySet<number>): void {
    for (const moved of reassignEndedJobs(ended, this.state.launches, pending))
      this.#logger.verbose(
        "a launch that ended took another launch's job; that launch now counts for its job",
        {
          job: moved.job,
          ...(this.#jobProjects.has(moved.job) ? { project: this.#jobProjects.get(moved.job) } : {}),
          ended_launch: moved.from,
          launch: moved.to,
          taken_job: moved.replaced,
        },
      );
  }

  #logError(error: unknown): void {
    const e = error as Partial<LauncherError>;
    this.#logger.error(redact(e.message ?? String(error), this.#secrets), { code: e.code });
    if (Array.isArray(e.details))
      for (const d of e.details) this.#logger.error(`  ${redact(String(d), this.#secrets)}`);
  }

  /** Waits for saves, releases the lock. */
  async close(): Promise<void> {
    await this.#saving.catch(() => {});
    await this.#lock.release();
  }
}
