import { type BatchStatus, batchJobKey, type LiveBatchJob } from './batch-system.js';
import type { LauncherError } from './errors.js';
import { type CommandState, launchCommandStates } from './launch-command-check.js';
import type { LauncherCore } from './launcher-core.js';
import type { InFlightLaunch } from './plan.js';
import type { LaunchRecord, LaunchState } from './state.js';

/** The fields that name a launch in the logs. */
export function launchFields(record: LaunchRecord): Record<string, unknown> {
  return {
    instance: record.instance,
    num_jobs: record.numJobs,
    ...(record.projects?.length ? { projects: record.projects.join(',') } : {}),
    batch_job: record.batchJobId
      ? batchJobKey({ id: record.batchJobId, cluster: record.cluster })
      : undefined,
    launch: record.id,
  };
}

/** The launches of the state as the planner counts them. */
export function inFlightLaunches(
  state: LaunchState,
): (InFlightLaunch & { launchedAt: string; record: LaunchRecord })[] {
  return state.launches.map((record) => ({
    instance: record.instance,
    numJobs: record.numJobs,
    jobIds: record.jobIds,
    queued: record.batchState === 'queued',
    launchedAt: record.launchedAt,
    record,
  }));
}

/** How long ago the youngest launch in flight was launched (ms); undefined when none is in flight. */
export function youngestLaunchAge(state: LaunchState, now: Date): number | undefined {
  const times = state.launches.map((l) => Date.parse(l.launchedAt)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return undefined;
  return Math.max(0, now.getTime() - Math.max(...times));
}

/** How long a `starting` launch whose command is gone and whose Slurm job was not found still counts. */
export const START_GRACE_MS = 10_000;

/**
 * Whether a launch still `starting` (the launcher stopped while its command ran) for which no batch job was
 * found must still count: while its command runs, while that cannot be told (another host, no `/proc`;
 * then until the pickup timeout), and on Slurm for the start grace after its command was first found gone.
 * Undefined when the usual rules decide (a generic batch system cannot find a job by launch id).
 */
function startingCounts(
  record: LaunchRecord,
  command: CommandState | undefined,
  findsByLaunchId: boolean,
  now: Date,
  pickupMs: number,
  graceMs: number,
): boolean | undefined {
  if (record.phase !== 'starting' || command === undefined) return undefined;
  if (command === 'running') {
    record.goneSince = undefined;
    return true;
  }
  if (command === 'unknown') return now.getTime() - Date.parse(record.launchedAt) < pickupMs;
  if (!findsByLaunchId) return undefined;
  record.goneSince ??= now.toISOString();
  return now.getTime() - Date.parse(record.goneSince) < graceMs;
}

/**
 * Asks the batch systems which launches are still queued or running: drops launches that ended (and returns
 * them), and adopts Slurm jobs carrying this launcher's tag that the state does not know.
 *
 * A launch still `starting` after a restart counts while its command may still submit ({@link
 * startingCounts}). The commands are looked for before the batch system is asked, so that a command that
 * submits in between is found by the question.
 */
export async function refreshInFlight(core: LauncherCore, now: Date): Promise<LaunchRecord[]> {
  const ended: LaunchRecord[] = [];
  const { options, state, logger } = core;
  const pickup = options.settings.pickupTimeoutMs;
  const known = new Set([
    ...options.settings.instances.map((i) => i.name),
    ...(options.resourceSets?.keys() ?? []),
  ]);
  const { systems, orphans } = core.systems.inUse(state.launches);
  const keep = new Set<LaunchRecord>(orphans);
  const knownIds = new Set(state.launches.map((r) => r.id));
  const commands = launchCommandStates(state.launches.filter((r) => r.phase === 'starting'));
  const graceMs = options.startGraceMs ?? START_GRACE_MS;
  for (const [system, { records }] of systems) {
    let status: BatchStatus | undefined;
    if (system.tracks) {
      const clusters = [...new Set(records.map((r) => r.cluster).filter((c): c is string => !!c))];
      try {
        status = await system.status(clusters);
      } catch (error) {
        logger.warn((error as Error).message, { code: (error as LauncherError).code });
        for (const r of records) keep.add(r);
        continue;
      }
    }
    const byLaunchId = new Map<string, LiveBatchJob>();
    if (status)
      for (const job of status.jobs.values())
        if (job.tag && job.tag.name === options.settings.name) byLaunchId.set(job.tag.launchId, job);
    const seen = new Set<string>();
    for (const record of records) {
      const expired = now.getTime() - Date.parse(record.launchedAt) >= pickup;
      const found =
        status &&
        ((record.batchJobId
          ? status.jobs.get(batchJobKey({ id: record.batchJobId, cluster: record.cluster }))
          : undefined) ??
          byLaunchId.get(record.id));
      if (!found) {
        const command = commands.get(record);
        const counts = startingCounts(
          record,
          command,
          !!status && system.kind === 'slurm',
          now,
          pickup,
          graceMs,
        );
        if (counts === true) {
          keep.add(record);
          if (command === 'running')
            logger.verbose(
              'the launch command from before the restart still runs; its launch counts',
              launchFields(record),
            );
          continue;
        }
        if (counts === false) {
          ended.push(record);
          logger.info(
            command === 'unknown'
              ? 'launch no longer counted (pickup timeout)'
              : 'the launch command from before the restart ended and no batch job carries its launch id; launch forgotten',
            launchFields(record),
          );
          continue;
        }
      }
      if (!status) {
        // Nothing can be asked: a launch counts until the pickup timeout.
        if (!expired) keep.add(record);
        else {
          ended.push(record);
          logger.verbose('launch no longer counted (pickup timeout)', launchFields(record));
        }
        continue;
      }
      const job = found;
      if (job) {
        seen.add(record.id);
        if (!record.batchJobId) {
          record.batchJobId = job.id;
          record.cluster = job.cluster;
          record.phase = 'submitted';
        }
        record.goneSince = undefined;
        record.batchState = job.state;
        keep.add(record);
      } else if (!record.batchJobId && system.kind !== 'slurm' && !expired) {
        // A generic launch that printed no id cannot be asked about: it counts until the pickup timeout.
        keep.add(record);
      } else {
        ended.push(record);
        logger.verbose('launch ended', launchFields(record));
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
      state.launches.push(record);
      knownIds.add(launchId);
      keep.add(record);
      logger.info('found a launch missing from the state file; counting it', launchFields(record));
    }
  }
  state.launches = state.launches.filter((r) => keep.has(r));
  return ended;
}
