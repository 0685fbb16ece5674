import { type BatchStatus, batchJobKey, type LiveBatchJob } from './batch-system.js';
import type { LauncherError } from './errors.js';
import type { LauncherCore } from './launcher-core.js';
import type { InFlightLaunch } from './plan.js';
import type { LaunchRecord, LaunchState } from './state.js';

/** The fields that name a launch in the logs. */
export function launchFields(record: LaunchRecord): Record<string, unknown> {
  return {
    instance: record.instance,
    num_jobs: record.numJobs,
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

/**
 * Asks the batch systems which launches are still queued or running: drops launches that ended (and returns
 * them), and adopts Slurm jobs carrying this launcher's tag that the state does not know.
 */
export async function refreshInFlight(core: LauncherCore, now: Date): Promise<LaunchRecord[]> {
  const ended: LaunchRecord[] = [];
  const { options, state, logger } = core;
  const pickup = options.settings.pickupTimeoutMs;
  const known = new Set(options.settings.instances.map((i) => i.name));
  const { systems, orphans } = core.systems.inUse(state.launches);
  const keep = new Set<LaunchRecord>(orphans);
  const knownIds = new Set(state.launches.map((r) => r.id));
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
      if (!status) {
        // Nothing can be asked: a launch counts until the pickup timeout.
        if (!expired) keep.add(record);
        else {
          ended.push(record);
          logger.verbose('launch no longer counted (pickup timeout)', launchFields(record));
        }
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
