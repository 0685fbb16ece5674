import { type BatchStatus, batchJobKey, type LiveBatchJob } from './batch-system.js';
import type { BatchSystems } from './batch-systems.js';
import type { LaunchRecord } from './state.js';

/** What the batch systems say now about recorded launches (`gitlab-meta-runner status`). */
export interface LiveLaunches {
  /** Each batch system that can tell which launches run (Slurm; generic with a status command), asked once. */
  systems: Array<{
    kind: 'slurm' | 'generic';
    /** The instances whose launches it holds. */
    instances: string[];
    /** Why it could not be asked; the launches it holds are then absent from `launches`. */
    error?: string | undefined;
  }>;
  /** Launch id → its batch job's state now, or `ended` when the batch system no longer lists it. */
  launches: Map<string, LiveBatchJob['state'] | 'ended'>;
}

/**
 * Asks every batch system that can tell (the one `squeue` per `sbatch` for Slurm) which of `records` are
 * still queued or running. Read-only: it takes no lock and changes no state; a launch whose batch system
 * cannot be asked, or cannot tell (a generic one without status command), is left out.
 */
export async function checkLiveLaunches(
  systems: BatchSystems,
  records: readonly LaunchRecord[],
): Promise<LiveLaunches> {
  const out: LiveLaunches = { systems: [], launches: new Map() };
  for (const [system, group] of systems.inUse(records).systems) {
    if (!system.tracks) continue;
    const entry: LiveLaunches['systems'][number] = { kind: system.kind, instances: group.instances };
    out.systems.push(entry);
    const clusters = [...new Set(group.records.map((r) => r.cluster).filter((c): c is string => !!c))];
    let status: BatchStatus;
    try {
      status = await system.status(clusters);
    } catch (error) {
      // The message names the command; its last lines of output (details) say why.
      const details = (error as { details?: unknown }).details;
      entry.error = [(error as Error).message, ...(Array.isArray(details) ? details.map(String) : [])].join(
        '; ',
      );
      continue;
    }
    const byLaunchId = new Map<string, LiveBatchJob>();
    for (const job of status.jobs.values()) if (job.tag) byLaunchId.set(job.tag.launchId, job);
    for (const record of group.records) {
      const job =
        (record.batchJobId
          ? status.jobs.get(batchJobKey({ id: record.batchJobId, cluster: record.cluster }))
          : undefined) ?? byLaunchId.get(record.id);
      if (job) out.launches.set(record.id, job.state);
      // A generic launch that printed no id cannot be looked up.
      else if (record.batchJobId || system.kind === 'slurm') out.launches.set(record.id, 'ended');
    }
  }
  return out;
}
