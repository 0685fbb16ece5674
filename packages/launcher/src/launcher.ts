import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { type Logger, silentLogger } from '@mr/logger';
import { inBackoff, nextBackoff } from './backoff.js';
import { type BatchStatus, type BatchSystem, batchJobKey, type LiveBatchJob } from './batch-system.js';
import { forEachLimited } from './concurrency.js';
import { LaunchCommandError, LauncherError } from './errors.js';
import { genericBatchSystem } from './generic-batch.js';
import { LauncherLock } from './lock.js';
import { JobMatcher, type MatchableJob, matchJobs } from './match.js';
import {
  type InFlightLaunch,
  type PlanInstance,
  type PlannedLaunch,
  planLaunches,
  staleLaunches,
} from './plan.js';
import { type ProcessResult, runProcess } from './run-process.js';
import { launchEnvironment, redact } from './redact.js';
import { slurmBatchSystem } from './slurm.js';
import { type LaunchRecord, type LaunchState, loadState, RECENT_FAILURES_KEPT, saveState } from './state.js';

/** The `[launch]` settings of one instance for one launch, after variable expansion. */
export interface LaunchSettings {
  executable: string;
  args: readonly string[];
  workdir?: string | undefined;
  stdin?: string | undefined;
  /** `[launch] status_command` (generic batch systems). */
  statusCommand?: readonly string[] | undefined;
  /** The batch system, `auto` already resolved; default from {@link LauncherSettings.batchSystem}. */
  batchSystem?: 'slurm' | 'generic' | undefined;
}

/** The settings of a launcher that do not depend on the instance. */
export interface LauncherSettings {
  /** The meta-runner's `name` (in Slurm job names and comments). */
  name: string;
  instances: readonly PlanInstance[];
  batchSystem: 'auto' | 'slurm' | 'generic';
  /** `[launch] timeout` in ms; undefined: no limit. */
  timeoutMs?: number | undefined;
  cancelStale: boolean;
  pickupTimeoutMs: number;
  maxInFlight?: number | undefined;
  concurrency: number;
  failureBackoffMs: number;
}

export interface LauncherOptions {
  settings: LauncherSettings;
  /** `[launch]` of an instance for `numJobs` jobs; throws when its templates do not expand. */
  launchSettings(instance: string, numJobs: number): LaunchSettings;
  /** The project's pending jobs, every page. */
  listPendingJobs(signal: AbortSignal): Promise<readonly MatchableJob[]>;
  /** `<data-dir>/<name>.state`. */
  stateFile: string;
  /** The lock file; default `<stateFile>.lock`. */
  lockFile?: string | undefined;
  /** Environment of launch, status and cancel commands (variables holding a secret are removed). */
  env: Record<string, string | undefined>;
  /** Tokens: never passed to a launch, redacted from everything logged. */
  secrets?: readonly string[] | undefined;
  logger?: Logger | undefined;
  /** User whose Slurm jobs are listed; default the current user. */
  user?: string | undefined;
  /** How long a stopping launcher waits for launch commands still running (ms). Default 120 s. */
  stopGraceMs?: number | undefined;
  /** Between SIGTERM and SIGKILL of a launch command that timed out (ms). Default 5 s. */
  killGraceMs?: number | undefined;
  /** Lock refresh and staleness (ms); defaults 10 s and 60 s. */
  lockRefreshMs?: number | undefined;
  lockStaleMs?: number | undefined;
  /** The command line that holds the lock, shown to a second launcher. */
  command?: string | undefined;
  now?: (() => Date) | undefined;
}

/** One failed launch, for the caller and the logs (output already redacted). */
export interface LaunchFailure {
  instance: string;
  numJobs: number;
  error: LaunchCommandError;
}

/** What one cycle saw and did. */
export interface CycleResult {
  /** Pending jobs of the project. */
  pending: number;
  /** Instance → pending jobs matched to it. */
  matched: Record<string, number>;
  /** Pending jobs no instance can take. */
  unmatched: number;
  /** Launches in flight after the cycle. */
  inFlight: number;
  launched: number;
  failed: number;
  /** Queued launches cancelled because their jobs are gone. */
  cancelled: number;
  failures: LaunchFailure[];
  /** The cycle was stopped before it launched (signal). */
  interrupted: boolean;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function firstLines(text: string, max = 20): string[] {
  const lines = text.trimEnd().split('\n');
  return lines.length <= max ? lines : [...lines.slice(0, max), `... ${lines.length - max} more line(s)`];
}

/**
 * Polls, matches, plans and launches. Holds the data directory's lock from {@link Launcher.open} until
 * {@link Launcher.close}; keeps its state in memory and saves it after every change.
 */
export class Launcher {
  readonly options: LauncherOptions;
  readonly state: LaunchState;
  readonly #lock: LauncherLock;
  readonly #logger: Logger;
  readonly #matcher: JobMatcher;
  #env: Record<string, string | undefined>;
  readonly #secrets: string[];
  readonly #systems = new Map<string, BatchSystem>();
  #saving: Promise<void> = Promise.resolve();
  #saveError: unknown;
  #lockLost: string | undefined;
  #cycling = false;
  readonly #force = new AbortController();

  private constructor(options: LauncherOptions, state: LaunchState, lock: LauncherLock) {
    this.options = options;
    this.state = state;
    this.#lock = lock;
    this.#logger = options.logger ?? silentLogger;
    this.#matcher = new JobMatcher(options.settings.instances);
    this.#secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 4);
    this.#env = launchEnvironment(options.env, this.#secrets);
  }

  /** Takes the lock (or throws `MR_LAUNCH_LOCKED`) and loads the state. */
  static async open(options: LauncherOptions): Promise<Launcher> {
    const lockFile = options.lockFile ?? `${options.stateFile}.lock`;
    let onLost: (reason: string) => void = () => {};
    const lock = await LauncherLock.acquire(lockFile, {
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

  /** Adds secrets (new runner tokens after a rotation): removed from launch environments and redacted. */
  addSecrets(secrets: Iterable<string>): void {
    for (const secret of secrets)
      if (secret.length >= 4 && !this.#secrets.includes(secret)) this.#secrets.push(secret);
    this.#env = launchEnvironment(this.options.env, this.#secrets);
    this.#systems.clear();
  }

  #now(): Date {
    return this.options.now?.() ?? new Date();
  }

  #onLockLost(reason: string): void {
    this.#lockLost = reason;
    this.#logger.error(`lost the launcher lock: ${reason}; no more launches`);
  }

  /** The batch system of an instance's launches. */
  #systemFor(instance: string): BatchSystem {
    const settings = this.options.launchSettings(instance, 1);
    const kind =
      settings.batchSystem ??
      (this.options.settings.batchSystem === 'auto'
        ? basename(settings.executable) === 'sbatch'
          ? 'slurm'
          : 'generic'
        : this.options.settings.batchSystem);
    const key =
      kind === 'slurm'
        ? `slurm\u0000${settings.executable}`
        : `generic\u0000${JSON.stringify(settings.statusCommand ?? [])}`;
    let system = this.#systems.get(key);
    if (!system) {
      system =
        kind === 'slurm'
          ? slurmBatchSystem({
              sbatch: settings.executable,
              env: this.#env,
              user: this.options.user ?? currentUser(this.options.env),
            })
          : genericBatchSystem({ statusCommand: settings.statusCommand, env: this.#env });
      this.#systems.set(key, system);
    }
    return system;
  }

  /** The batch system each record and instance belongs to; records of removed instances use the first. */
  #systemsInUse(): {
    systems: Map<BatchSystem, { instances: string[]; records: LaunchRecord[] }>;
    /** Records no batch system can be made for (no instance's `[launch]` expands): kept as they are. */
    orphans: LaunchRecord[];
  } {
    const out = new Map<BatchSystem, { instances: string[]; records: LaunchRecord[] }>();
    const byInstance = new Map<string, BatchSystem>();
    for (const instance of this.options.settings.instances) {
      try {
        const system = this.#systemFor(instance.name);
        byInstance.set(instance.name, system);
        if (!out.has(system)) out.set(system, { instances: [], records: [] });
        out.get(system)!.instances.push(instance.name);
      } catch {
        // The instance's launch settings do not expand: its launches fail with that message.
      }
    }
    const fallback = out.keys().next().value;
    const orphans: LaunchRecord[] = [];
    for (const record of this.state.launches) {
      const system = byInstance.get(record.instance) ?? fallback;
      if (system) out.get(system)!.records.push(record);
      else orphans.push(record);
    }
    return { systems: out, orphans };
  }

  /** Drops launches that ended; adopts tagged Slurm jobs the state does not know. */
  async #refreshInFlight(now: Date): Promise<void> {
    const pickup = this.options.settings.pickupTimeoutMs;
    const known = new Set(this.options.settings.instances.map((i) => i.name));
    const { systems, orphans } = this.#systemsInUse();
    const keep = new Set<LaunchRecord>(orphans);
    const knownIds = new Set(this.state.launches.map((r) => r.id));
    for (const [system, { records }] of systems) {
      let status: BatchStatus | undefined;
      if (system.tracks) {
        const clusters = [...new Set(records.map((r) => r.cluster).filter((c): c is string => !!c))];
        try {
          status = await system.status(clusters);
        } catch (error) {
          this.#logger.warn((error as Error).message, { code: (error as LauncherError).code });
          for (const r of records) keep.add(r);
          continue;
        }
      }
      const byLaunchId = new Map<string, LiveBatchJob>();
      if (status)
        for (const job of status.jobs.values())
          if (job.tag && job.tag.name === this.options.settings.name) byLaunchId.set(job.tag.launchId, job);
      const seen = new Set<string>();
      for (const record of records) {
        const expired = now.getTime() - Date.parse(record.launchedAt) >= pickup;
        if (!status) {
          // Nothing can be asked: a launch counts until the pickup timeout.
          if (!expired) keep.add(record);
          else this.#logger.verbose('launch no longer counted (pickup timeout)', this.#fields(record));
          continue;
        }
        let job = record.batchJobId
          ? status.jobs.get(batchJobKey({ id: record.batchJobId, cluster: record.cluster }))
          : undefined;
        job ??= byLaunchId.get(record.id);
        if (job) {
          seen.add(record.id);
          if (!record.batchJobId) {
            record.batchJobId = job.id;
            record.cluster = job.cluster;
            record.phase = 'submitted';
          }
          record.batchState = job.state;
          keep.add(record);
        } else if (!record.batchJobId && system.kind !== 'slurm' && !expired) {
          // A generic launch that printed no id cannot be asked about: it counts until the pickup timeout.
          keep.add(record);
        } else {
          this.#logger.verbose('launch ended', this.#fields(record));
        }
      }
      // Slurm jobs carrying this launcher's tag that the state does not know (the launcher stopped between
      // sbatch and saving, or the state file was lost) are counted again.
      for (const [launchId, job] of byLaunchId) {
        if (seen.has(launchId) || knownIds.has(launchId)) continue;
        if (!job.tag || !known.has(job.tag.instance)) continue;
        const record: LaunchRecord = {
          id: launchId,
          instance: job.tag.instance,
          numJobs: job.tag.numJobs,
          jobIds: [],
          launchedAt: now.toISOString(),
          phase: 'submitted',
          batchJobId: job.id,
          cluster: job.cluster,
          batchState: job.state,
        };
        this.state.launches.push(record);
        knownIds.add(launchId);
        keep.add(record);
        this.#logger.info('found a launch missing from the state file; counting it', this.#fields(record));
      }
    }
    this.state.launches = this.state.launches.filter((r) => keep.has(r));
  }

  #fields(record: LaunchRecord): Record<string, unknown> {
    return {
      instance: record.instance,
      num_jobs: record.numJobs,
      batch_job: record.batchJobId
        ? batchJobKey({ id: record.batchJobId, cluster: record.cluster })
        : undefined,
      launch: record.id,
    };
  }

  #inFlight(): (InFlightLaunch & { launchedAt: string; record: LaunchRecord })[] {
    return this.state.launches.map((record) => ({
      instance: record.instance,
      numJobs: record.numJobs,
      jobIds: record.jobIds,
      queued: record.batchState === 'queued',
      launchedAt: record.launchedAt,
      record,
    }));
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
   */
  async cycle(signal: AbortSignal = new AbortController().signal): Promise<CycleResult> {
    if (this.#cycling) throw new LauncherError('A cycle is already running', { code: 'MR_LAUNCH_BUSY' });
    this.#cycling = true;
    try {
      return await this.#cycle(signal);
    } finally {
      this.#cycling = false;
    }
  }

  async #cycle(signal: AbortSignal): Promise<CycleResult> {
    const result: CycleResult = {
      pending: 0,
      matched: {},
      unmatched: 0,
      inFlight: 0,
      launched: 0,
      failed: 0,
      cancelled: 0,
      failures: [],
      interrupted: false,
    };
    if (this.#lockLost)
      throw new LauncherError(`The launcher lock was lost: ${this.#lockLost}`, {
        code: 'MR_LAUNCH_LOCK_LOST',
        hint: 'Another launcher took over the data directory; this one stops.',
      });
    const settings = this.options.settings;
    await this.#refreshInFlight(this.#now());

    let jobs: readonly MatchableJob[];
    try {
      jobs = await this.options.listPendingJobs(signal);
    } catch (error) {
      if (signal.aborted) {
        result.interrupted = true;
        result.inFlight = this.state.launches.length;
        await this.save();
        return result;
      }
      await this.save();
      throw error;
    }
    const now = this.#now();
    const matches = matchJobs(jobs, this.#matcher);
    result.pending = jobs.length;
    for (const [name, ids] of matches.byInstance) result.matched[name] = ids.length;
    result.unmatched = matches.unmatched.length;
    this.#reportUnmatched(matches.unmatched);

    if (settings.cancelStale) result.cancelled = await this.#cancelStale(matches.byInstance);

    const blocked = new Set<string>();
    for (const [name, record] of Object.entries(this.state.backoff))
      if (inBackoff(record, now)) blocked.add(name);
    const plan = planLaunches({
      instances: settings.instances,
      pending: matches.byInstance,
      inFlight: this.#inFlight(),
      maxInFlight: settings.maxInFlight,
      blocked,
    });
    for (const p of plan.instances)
      if (p.limitedBy && p.uncovered > 0)
        this.#logger.verbose(
          `${p.uncovered} job(s) wait: ${limitText(p.limitedBy, this.state, p.instance)}`,
          {
            instance: p.instance,
          },
        );

    if (signal.aborted || this.#lockLost) {
      result.interrupted = true;
    } else if (plan.launches.length > 0) {
      await this.#launchAll(plan.launches, signal, result);
    }
    result.inFlight = this.state.launches.length;
    await this.#saveQuietly();
    if (this.#saveError) {
      const error = this.#saveError;
      this.#saveError = undefined;
      throw error;
    }
    const matched = Object.entries(result.matched)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name}:${n}`)
      .join(',');
    this.#logger.info('cycle', {
      pending: result.pending,
      matched: matched || '-',
      in_flight: result.inFlight,
      launched: result.launched,
      failed: result.failed,
      unmatched: result.unmatched,
      ...(result.cancelled ? { cancelled: result.cancelled } : {}),
      ...(result.interrupted ? { interrupted: true } : {}),
    });
    return result;
  }

  #reportUnmatched(unmatched: readonly MatchableJob[]): void {
    const reported = new Set(this.state.reportedUnmatched);
    const current: number[] = [];
    for (const job of unmatched) {
      current.push(job.id);
      if (reported.has(job.id)) continue;
      const tags = job.tag_list.length > 0 ? job.tag_list.join(',') : '(none)';
      this.#logger.warn(
        job.tag_list.length > 0
          ? 'pending job matches no runner instance: no instance has all of its tags'
          : 'pending job has no tags and no instance has run_untagged = true',
        { job: job.id, tags },
      );
    }
    this.state.reportedUnmatched = current;
  }

  async #cancelStale(pending: ReadonlyMap<string, readonly number[]>): Promise<number> {
    let cancelled = 0;
    const stale = staleLaunches(this.#inFlight(), pending);
    for (const launch of stale) {
      const record = launch.record;
      if (!record.batchJobId) continue;
      let system: BatchSystem;
      try {
        system = this.#systemFor(record.instance);
      } catch {
        continue;
      }
      if (!system.cancels) continue;
      try {
        await system.cancel({ id: record.batchJobId, cluster: record.cluster });
        this.state.launches = this.state.launches.filter((r) => r !== record);
        cancelled++;
        this.#logger.info('cancelled a queued launch: all of its jobs are gone', this.#fields(record));
      } catch (error) {
        this.#logger.warn((error as Error).message, this.#fields(record));
      }
    }
    if (cancelled > 0) await this.save();
    return cancelled;
  }

  async #launchAll(
    planned: readonly PlannedLaunch[],
    signal: AbortSignal,
    result: CycleResult,
  ): Promise<void> {
    const launchedAt = this.#now().toISOString();
    const records = new Map<PlannedLaunch, LaunchRecord>();
    for (const launch of planned) {
      const record: LaunchRecord = {
        id: randomUUID(),
        instance: launch.instance,
        numJobs: launch.numJobs,
        jobIds: launch.jobIds,
        launchedAt,
        phase: 'starting',
      };
      records.set(launch, record);
      this.state.launches.push(record);
    }
    // Written before any launch command runs: a launcher that dies now finds them again after a restart.
    try {
      await this.save();
    } catch (error) {
      const planned = new Set(records.values());
      this.state.launches = this.state.launches.filter((r) => !planned.has(r));
      throw error;
    }
    // A stopping launcher lets launch commands finish, but not forever.
    const force = this.#force;
    let forceTimer: NodeJS.Timeout | undefined;
    const onStop = () => {
      forceTimer = setTimeout(() => force.abort(), this.options.stopGraceMs ?? 120_000);
    };
    if (signal.aborted) onStop();
    else signal.addEventListener('abort', onStop, { once: true });
    const failedInstances = new Set<string>();
    const { skipped } = await forEachLimited(
      planned,
      this.options.settings.concurrency,
      async (launch) => {
        const record = records.get(launch)!;
        const outcome = await this.#launchOne(record, force.signal).catch(
          (error: unknown): LaunchFailure => ({
            instance: record.instance,
            numJobs: record.numJobs,
            error: new LaunchCommandError(`The launch failed: ${redact(String(error), this.#secrets)}`, {
              code: 'MR_LAUNCH_FAILED',
              cause: error,
            }),
          }),
        );
        if (outcome === 'unknown') {
          // Stopped while running: it may have submitted. Kept as `starting`, so it is looked for again.
          result.interrupted = true;
        } else if (outcome) {
          result.failed++;
          result.failures.push(outcome);
          failedInstances.add(record.instance);
          this.state.launches = this.state.launches.filter((r) => r !== record);
          this.state.recentFailures = [
            ...this.state.recentFailures,
            {
              at: this.#now().toISOString(),
              instance: record.instance,
              message: outcome.error.message.split('\n')[0]!,
            },
          ].slice(-RECENT_FAILURES_KEPT);
          this.state.backoff[record.instance] = nextBackoff(
            this.state.backoff[record.instance],
            this.options.settings.failureBackoffMs,
            this.#now(),
          );
        } else {
          result.launched++;
          delete this.state.backoff[record.instance];
        }
        await this.#saveQuietly();
      },
      // After a failure, an instance's remaining launches of this cycle wait for its backoff.
      (launch) => !signal.aborted && !this.#lockLost && !failedInstances.has(launch.instance),
    );
    signal.removeEventListener('abort', onStop);
    if (forceTimer) clearTimeout(forceTimer);
    if (skipped.length > 0) {
      const drop = new Set(skipped.map((l) => records.get(l)));
      this.state.launches = this.state.launches.filter((r) => !drop.has(r));
      if (signal.aborted || this.#lockLost) result.interrupted = true;
    }
  }

  /** Runs one launch command: undefined on success, the failure, or `unknown` when it was stopped. */
  async #launchOne(record: LaunchRecord, force: AbortSignal): Promise<LaunchFailure | 'unknown' | undefined> {
    const fail = (error: LaunchCommandError): LaunchFailure => {
      const fields = { instance: record.instance, num_jobs: record.numJobs, code: error.code };
      this.#logger.error(error.message, { ...fields, exit_code: error.exitCode, signal: error.signal });
      if (error.stdout.trim())
        for (const line of firstLines(error.stdout)) this.#logger.error(`  stdout: ${line}`);
      if (error.stderr.trim())
        for (const line of firstLines(error.stderr)) this.#logger.error(`  stderr: ${line}`);
      return { instance: record.instance, numJobs: record.numJobs, error };
    };
    let settings: LaunchSettings;
    let system: BatchSystem;
    try {
      settings = this.options.launchSettings(record.instance, record.numJobs);
      system = this.#systemFor(record.instance);
    } catch (error) {
      return fail(
        new LaunchCommandError(
          `The [launch] settings of instance ${record.instance} do not expand: ${redact((error as Error).message, this.#secrets)}`,
          { code: 'MR_LAUNCH_SETTINGS', cause: error },
        ),
      );
    }
    const tag = {
      name: this.options.settings.name,
      instance: record.instance,
      numJobs: record.numJobs,
      launchId: record.id,
    };
    const args = [...system.tagArgs(tag, settings.args, settings.stdin), ...settings.args];
    if (settings.workdir) {
      try {
        await mkdir(settings.workdir, { recursive: true });
      } catch (error) {
        return fail(
          new LaunchCommandError(
            `Cannot create the launch workdir ${settings.workdir}: ${(error as Error).message}`,
            {
              code: 'MR_LAUNCH_SPAWN',
              cause: error,
            },
          ),
        );
      }
    }
    this.#logger.debug('launching', {
      instance: record.instance,
      num_jobs: record.numJobs,
      executable: settings.executable,
    });
    const timeoutMs = this.options.settings.timeoutMs;
    const run: ProcessResult = await runProcess({
      file: settings.executable,
      args,
      cwd: settings.workdir,
      input: settings.stdin,
      env: this.#env,
      timeoutMs,
      killGraceMs: this.options.killGraceMs,
      cancelSignal: force,
    });
    if (run.cancelled) {
      this.#logger.warn(
        'stopped a launch command still running at shutdown; it is looked for again at the next start',
        {
          instance: record.instance,
          launch: record.id,
        },
      );
      return 'unknown';
    }
    const stdout = redact(run.stdout, this.#secrets);
    const stderr = redact(run.stderr, this.#secrets);
    const command = redact(`${settings.executable}`, this.#secrets);
    if (run.spawnError)
      return fail(
        new LaunchCommandError(
          `Cannot start the launch command ${command}: ${redact(run.spawnError.message, this.#secrets)}`,
          {
            code: 'MR_LAUNCH_SPAWN',
            stdout,
            stderr,
            hint: 'Check [launch] executable and workdir, and PATH.',
          },
        ),
      );
    if (run.timedOut)
      return fail(
        new LaunchCommandError(
          `The launch command ${command} did not finish within ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped with its child processes`,
          { code: 'MR_LAUNCH_TIMEOUT', exitCode: run.exitCode, signal: run.signal, stdout, stderr },
        ),
      );
    if (run.exitCode !== 0)
      return fail(
        new LaunchCommandError(
          `The launch command ${command} failed with ${run.exitCode === undefined ? `signal ${run.signal}` : `exit code ${run.exitCode}`}`,
          { code: 'MR_LAUNCH_FAILED', exitCode: run.exitCode, signal: run.signal, stdout, stderr },
        ),
      );
    const ref = system.parseJobId(run.stdout);
    record.phase = 'submitted';
    if (ref) {
      record.batchJobId = ref.id;
      record.cluster = ref.cluster;
      if (system.tracks) record.batchState = 'queued';
      this.#logger.verbose('launched', this.#fields(record));
    } else {
      this.#logger.warn(
        system.kind === 'slurm'
          ? 'sbatch printed no job id; the launch is found again by its comment, or forgotten if Slurm does not list it'
          : `the launch command printed no job id; the launch counts as in flight for pickup_timeout (${Math.round(this.options.settings.pickupTimeoutMs / 1000)} s)`,
        {
          instance: record.instance,
          num_jobs: record.numJobs,
          stdout: stdout.trim().slice(-200) || undefined,
        },
      );
    }
    return undefined;
  }

  /**
   * Runs cycles until `signal` fires: one cycle, then a wait until `intervalMs` after its start (at once when
   * it took longer). A failed cycle is logged and the next one runs on time. `beforeCycle` runs first in
   * every cycle (token rotation); its errors are logged too.
   */
  async run(options: {
    intervalMs: number;
    signal: AbortSignal;
    beforeCycle?: (signal: AbortSignal) => Promise<void>;
    onCycle?: (result: CycleResult) => void;
  }): Promise<void> {
    const { signal } = options;
    while (!signal.aborted) {
      if (this.#lockLost)
        throw new LauncherError(`The launcher lock was lost: ${this.#lockLost}`, {
          code: 'MR_LAUNCH_LOCK_LOST',
        });
      const started = Date.now();
      if (options.beforeCycle) {
        try {
          await options.beforeCycle(signal);
        } catch (error) {
          if (!signal.aborted) this.#logError(error);
        }
      }
      if (signal.aborted) break;
      try {
        const result = await this.cycle(signal);
        options.onCycle?.(result);
      } catch (error) {
        if ((error as LauncherError).code === 'MR_LAUNCH_LOCK_LOST') throw error;
        if (!signal.aborted) this.#logError(error);
      }
      await sleep(Math.max(0, options.intervalMs - (Date.now() - started)), signal);
    }
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

function limitText(limit: string, state: LaunchState, instance: string): string {
  if (limit === 'backoff')
    return `backoff after failed launches until ${state.backoff[instance]?.until ?? '?'}`;
  if (limit === 'instance-limit') return 'max_in_flight of the instance reached';
  return '[launch] max_in_flight reached';
}

function currentUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? String(process.getuid?.() ?? '');
  }
}
