import { runnerCanTake, type SimJob } from './model.js';
import type { SimulatorStore } from './state.js';

/** When GitLab drops pending jobs; see {@link dropStuckJobs}. All in milliseconds. */
export interface StuckJobLimits {
  /** A pending job no online runner can take is dropped after this long. Default 1 h. */
  stuckAfterMs?: number;
  /** Every pending job is dropped after this long. Default 24 h. */
  outdatedAfterMs?: number;
  /** A runner contacted within this long is online. Default 2 h. */
  onlineWindowMs?: number;
  /** Run the drop every this long on its own (GitLab runs it from a cron worker); default: only when asked. */
  checkEveryMs?: number;
}

/**
 * GitLab's stuck-job drop: a pending job older than `outdatedAfterMs` is failed with
 * `stuck_or_timeout_failure`; one older than `stuckAfterMs` too, unless an online runner (contacted within
 * `onlineWindowMs`) can take it (Ci::StuckBuilds::DropPendingService, BUILD_PENDING_OUTDATED_TIMEOUT = 1.day,
 * BUILD_PENDING_STUCK_TIMEOUT = 1.hour, `drop_stuck` drops only `build.stuck?` jobs, app/services/ci/
 * stuck_builds/; Ci::Runner::ONLINE_CONTACT_TIMEOUT = 2.hours, app/models/ci/runner.rb). Ages use the store's
 * clock. Returns the dropped jobs.
 */
export function dropStuckJobs(store: SimulatorStore, limits: StuckJobLimits = {}): SimJob[] {
  const stuck = limits.stuckAfterMs ?? 3_600_000;
  const outdated = limits.outdatedAfterMs ?? 86_400_000;
  const online = limits.onlineWindowMs ?? 7_200_000;
  const now = store.now().getTime();
  const dropped: SimJob[] = [];
  for (const job of store.jobs.values()) {
    if (job.status !== 'pending') continue;
    const age = now - job.createdAt.getTime();
    if (age <= Math.min(stuck, outdated)) continue;
    const taker = [...store.runners.values()].some(
      (r) =>
        r.contactedAt !== null &&
        now - r.contactedAt.getTime() < online &&
        runnerCanTake(r, job, store.runnerProjects(r)),
    );
    if (age > outdated || (age > stuck && !taker)) {
      store.finish(job, 'failed', 'stuck_or_timeout_failure');
      dropped.push(job);
    }
  }
  return dropped;
}
