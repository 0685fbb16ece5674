import { inBackoff } from './backoff.js';
import { cancelStale } from './cancel-stale.js';
import { DEFAULT_MAX_LAUNCHES_PER_CYCLE, limitCycleLaunches } from './cycle-limit.js';
import { type CycleResult, cycleLogFields, cycleSummary, emptyCycleResult } from './cycle-result.js';
import { describeLaunch } from './dry-run.js';
import { LauncherError } from './errors.js';
import { inFlightLaunches, launchFields, refreshInFlight } from './in-flight.js';
import type { KeepAlive } from './keep-alive.js';
import { launchAll } from './launch-all.js';
import type { LauncherCore } from './launcher-core.js';
import type { JobMatcher, MatchableJob } from './match.js';
import { notify } from './observer.js';
import { planLaunches } from './plan.js';
import { countByProject } from './project-counts.js';
import {
  instancesWaitingBehindQueue,
  jobsNearLimits,
  reportNearLimits,
  type WaitingJob,
} from './queue-wait.js';
import { reassignEndedJobs } from './reassign.js';
import { capInstanceLaunches, resourcePlanInstances } from './resource-cycle.js';
import { matchWithResources, type ResourceInstance } from './resources.js';
import type { LaunchRecord } from './state.js';
import type { TokenCheck } from './token-check.js';
import { reportUnmatched, reportWaiting } from './waiting-jobs.js';

/** What a cycle needs of its {@link Launcher} beyond the {@link LauncherCore} that its steps share. */
export interface CycleContext {
  readonly core: LauncherCore;
  readonly matcher: JobMatcher;
  readonly resourceInstances: ReadonlyMap<string, ResourceInstance>;
  readonly tokenCheck: TokenCheck | undefined;
  readonly keepAlive: KeepAlive | undefined;
  /** Aborted to stop launch commands still running (a second Ctrl-C). */
  readonly force: AbortController;
  /** Launches that ended and whose jobs are not yet handed on (a cycle whose job list failed keeps them). */
  readonly ended: LaunchRecord[];
  /** Job id → its project's path, for the pending jobs of the current cycle. */
  jobProjects: Map<number, string>;
  /** Adds secrets (new runner tokens): removed from launch environments and redacted. */
  addSecrets(secrets: Iterable<string>): void;
  /** The error of a quiet save since the last call, if any; cleared. */
  takeSaveError(): unknown;
}

/**
 * One cycle: ask the batch system which launches are still in flight, read the pending jobs, match, plan,
 * launch, save. `signal` stops the cycle before it launches; launches already started always finish.
 * With `dryRun`, the cycle asks and plans the same way but launches nothing, cancels nothing and saves
 * nothing: `result.dryRun` describes the launches it would have made.
 */
export async function runCycle(
  context: CycleContext,
  signal: AbortSignal,
  dryRun: boolean,
): Promise<CycleResult> {
  const { core } = context;
  const { options, state, logger } = core;
  const result = emptyCycleResult();
  const lockLost = core.lockLost();
  if (lockLost)
    throw new LauncherError('MR_LAUNCH_LOCK_LOST', `The launcher lock was lost: ${lockLost}`, {
      hint: 'Another launcher took over the data directory; this one stops.',
    });
  const settings = options.settings;
  const ended = await refreshInFlight(core, core.now());

  let jobs: readonly MatchableJob[];
  try {
    jobs = await options.listPendingJobs(signal);
  } catch (error) {
    context.ended.push(...ended);
    if (signal.aborted) {
      result.interrupted = true;
      result.inFlight = state.launches.length;
      if (!dryRun) await core.save();
      return result;
    }
    if (!dryRun) await core.save();
    throw error;
  }
  const now = core.now();
  const pendingIds = new Set(jobs.map((job) => job.id));
  context.jobProjects = new Map();
  for (const job of jobs) if (job.project) context.jobProjects.set(job.id, job.project);
  handOn(context, [...context.ended.splice(0), ...ended], pendingIds);
  if (!dryRun) {
    notify(options.observer, 'pendingJobs', jobs, now);
    core.pendingSince.seen(jobs, now);
  }
  const matches = matchWithResources(jobs, context.matcher, context.resourceInstances);
  result.pending = jobs.length;
  for (const [name, ids] of matches.byInstance) {
    result.matched[name] = ids.length;
    result.matchedJobIds.push(...ids);
    result.matchedJobs[name] = [...ids];
  }
  result.unmatched = matches.unmatched.length;
  if (!dryRun) state.lastCycle = cycleSummary(result, now);
  result.refused = matches.refused;
  const reasons = new Map(matches.refused.map((r) => [r.job, r.reason]));
  reportUnmatched(state, matches.unmatched, logger, reasons);
  // Tokens before the resource runners' sync and the launches: a resource runner whose token GitLab refuses
  // is registered again below, before anything is launched for it in this cycle.
  let refusedResourceRunners: ReadonlyMap<string, string> = new Map();
  if (context.tokenCheck) {
    // A launch that ended while its jobs are still pending may have met a refused token.
    for (const record of ended)
      if (record.jobIds.some((id) => pendingIds.has(id))) context.tokenCheck.recheck(record.instance);
    const names = settings.instances.map((i) => i.name);
    const checked = await context.tokenCheck.check(state, names, now, signal, [
      ...(options.resourceSets?.keys() ?? []),
    ]);
    context.addSecrets(checked.tokens);
    refusedResourceRunners = checked.refusedResourceRunners;
    if (!dryRun) forgetRefusedLaunches(core, new Set(refusedResourceRunners.keys()));
  }
  const resources = await resourcePlanInstances(core, matches, signal, dryRun, refusedResourceRunners);
  context.addSecrets(resources.secrets);

  if (settings.cancelStale && !dryRun) result.cancelled = await cancelStale(core, matches.byInstance);

  const blocked = new Set<string>();
  for (const [name, record] of Object.entries(state.backoff)) if (inBackoff(record, now)) blocked.add(name);
  const plan = planLaunches({
    instances: [...settings.instances, ...resources.instances],
    pending: matches.byInstance,
    inFlight: inFlightLaunches(state),
    maxInFlight: settings.maxInFlight,
    blocked,
    refused: new Set(Object.keys(state.refusedTokens)),
  });
  if (resources.instances.length > 0 && options.resourceSets)
    capInstanceLaunches(plan, settings.instances, options.resourceSets, state.launches);
  result.deferred = limitCycleLaunches(
    plan,
    [...settings.instances, ...resources.instances],
    settings.maxLaunchesPerCycle ?? DEFAULT_MAX_LAUNCHES_PER_CYCLE,
  );
  reportWaiting(state, plan, logger);
  if (dryRun) {
    result.dryRun = plan.launches.map((launch) => describeLaunch(core, launch));
    result.inFlight = state.launches.length;
    return result;
  }

  if (signal.aborted || core.lockLost()) {
    result.interrupted = true;
  } else if (plan.launches.length > 0) {
    await launchAll(core, plan.launches, signal, context.force, result);
  }
  // After the launches, so that a job near a limit names the batch job just submitted for it.
  await queueWait(context, jobs, matches.byInstance, now, signal);
  result.inFlight = state.launches.length;
  const launched = new Set(state.launches.flatMap((l) => l.jobIds));
  state.projects = countByProject(jobs, new Set(result.matchedJobIds), launched);
  await core.saveQuietly();
  const saveError = context.takeSaveError();
  if (saveError) throw saveError;
  logger.info('cycle', cycleLogFields(result));
  return result;
}

/**
 * Matched jobs and GitLab's limits on pending jobs: warns about jobs near a limit (kept in the state for
 * `status`) and keeps the runners of instances whose jobs wait behind queued launches online.
 */
async function queueWait(
  context: CycleContext,
  jobs: readonly MatchableJob[],
  byInstance: ReadonlyMap<string, readonly number[]>,
  now: Date,
  signal: AbortSignal,
): Promise<void> {
  const { state, logger } = context.core;
  const created = new Map(jobs.map((job) => [job.id, job.created_at]));
  const waiting: WaitingJob[] = [];
  for (const [instance, ids] of byInstance)
    for (const id of ids)
      waiting.push({ id, instance, project: context.jobProjects.get(id), createdAt: created.get(id) });
  const near = jobsNearLimits(waiting, state.launches, now);
  reportNearLimits(near, state.queueWaits ?? [], logger);
  state.queueWaits = near;
  const refused = await context.keepAlive?.run(
    instancesWaitingBehindQueue(waiting, state.launches),
    now,
    signal,
  );
  // A token refused to the keep-alive is checked (and acted on) at the next cycle.
  for (const name of refused ?? []) context.tokenCheck?.recheck(name);
}

/** Hands the still-pending jobs of ended launches to launches in flight whose runners took others. */
function handOn(context: CycleContext, ended: readonly LaunchRecord[], pending: ReadonlySet<number>): void {
  const { state, logger } = context.core;
  const projects = context.jobProjects;
  for (const moved of reassignEndedJobs(ended, state.launches, pending))
    logger.verbose("a launch that ended took another launch's job; that launch now counts for its job", {
      job: moved.job,
      ...(projects.has(moved.job) ? { project: projects.get(moved.job) } : {}),
      ended_launch: moved.from,
      launch: moved.to,
      taken_job: moved.replaced,
    });
}

/**
 * Launches in flight of resource runners whose token GitLab refuses no longer count, so that their jobs are
 * planned again for the runner registered anew: one that started with the refused token takes no job (after
 * a 403 `run-single` sleeps `NotHealthyCheckInterval`, 300 s, then exits past its wait timeout: gitlab-runner
 * v19.3.0 common/consts.go, commands/single.go `processBuild` and `checkFinishedConditions`). Whether one
 * still queued starts before or after the new token is written cannot be told; one that starts after takes
 * a job or ends after its wait timeout. None is cancelled: one may be running a job it took before.
 */
function forgetRefusedLaunches(core: LauncherCore, refused: ReadonlySet<string>): void {
  const { state, logger } = core;
  const forgotten = state.launches.filter((l) => refused.has(l.instance));
  if (forgotten.length === 0) return;
  for (const record of forgotten)
    logger.info('launch no longer counted: GitLab refuses its runner token', launchFields(record));
  state.launches = state.launches.filter((l) => !refused.has(l.instance));
}
