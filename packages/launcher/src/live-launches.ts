import { type BatchStatus, batchJobKey, type LiveBatchJob } from './batch-system.js';
import type { BatchSystems } from './batch-systems.js';
import { type CommandState, launchCommandStates } from './launch-command-check.js';
import type { LaunchRecord } from './state.js';

/** What is known now of a recorded launch: its batch job's state, or its launch command still running. */
export type LiveLaunchState = LiveBatchJob['state'] | 'starting' | 'ended';

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
  /**
   * Launch id → its batch job's state now; `ended` when the batch system no longer lists it; `starting` for a
   * launch whose batch job is not found (yet) while its launch command still runs on this host.
   */
  launches: Map<string, LiveLaunchState>;
  /** Launch id → whether the launch command of a `starting` launch still runs (`unknown`: another host). */
  commands: Map<string, CommandState>;
}

/**
 * Asks every batch system that can tell (the one `squeue` per `sbatch` for Slurm) which of `records` are
 * still queued or running. Read-only: it takes no lock and changes no state; a launch whose batch system
 * cannot be asked, or cannot tell (a generic one without status command), is left out.
 *
 * A launch still `starting` (a launcher was killed during its command, or is running it now) is looked for by
 * its launch id; while none is found and its command still runs on this host (the recorded process, its
 * process group, or a process carrying its launch id) it is `starting`, not `ended`. The commands are looked
 * for before the batch system is asked, so that one that submits in between is found by the question.
 */
export async function checkLiveLaunches(
  systems: BatchSystems,
  records: readonly LaunchRecord[],
): Promise<LiveLaunches> {
  const out: LiveLaunches = { systems: [], launches: new Map(), commands: new Map() };
  const commands = launchCommandStates(records.filter((r) => r.phase === 'starting'));
  for (const [record, state] of commands) {
    out.commands.set(record.id, state);
    if (state === 'running') out.launches.set(record.id, 'starting');
  }
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
      // Its command still runs (starting), or may on another host (left out); a generic launch that printed
      // no id cannot be looked up.
      else if (out.launches.has(record.id)) continue;
      else if (record.phase === 'starting' && commands.get(record) === 'unknown') continue;
      else if (record.batchJobId || system.kind === 'slurm') out.launches.set(record.id, 'ended');
    }
  }
  return out;
}
