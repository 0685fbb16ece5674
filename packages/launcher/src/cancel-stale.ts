import type { BatchSystem } from './batch-system.js';
import { inFlightLaunches, launchFields } from './in-flight.js';
import type { LauncherCore } from './launcher-core.js';
import { staleLaunches } from './plan.js';

/**
 * Cancels queued launches whose jobs are all gone from the pending list (`cancel_stale`), where the batch
 * system can cancel. Returns how many were cancelled; a cancel that fails is logged and the launch kept.
 */
export async function cancelStale(
  core: LauncherCore,
  pending: ReadonlyMap<string, readonly number[]>,
): Promise<number> {
  let cancelled = 0;
  for (const launch of staleLaunches(inFlightLaunches(core.state), pending)) {
    const record = launch.record;
    if (!record.batchJobId) continue;
    let system: BatchSystem;
    try {
      system = core.systems.for(record.instance);
    } catch {
      continue;
    }
    if (!system.cancels) continue;
    try {
      await system.cancel({ id: record.batchJobId, cluster: record.cluster });
      core.state.launches = core.state.launches.filter((r) => r !== record);
      cancelled++;
      core.logger.info('cancelled a queued launch: all of its jobs are gone', launchFields(record));
    } catch (error) {
      core.logger.warn((error as Error).message, launchFields(record));
    }
  }
  if (cancelled > 0) await core.save();
  return cancelled;
}
