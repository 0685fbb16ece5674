import type { MatchableJob } from './match.js';
import { type LaunchState, RECENT_PICKUPS_KEPT } from './state.js';

/** When a pending job became pending (ms): from `queued_duration` when GitLab sends it, else `created_at`. */
function pendingSinceOf(job: MatchableJob, listedAt: number): number | undefined {
  const j = job as { queued_duration?: unknown; created_at?: unknown };
  if (typeof j.queued_duration === 'number') return listedAt - j.queued_duration * 1000;
  if (typeof j.created_at === 'string') {
    const t = Date.parse(j.created_at);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** One launched job's pickup time: from its becoming pending to the launch of a runner for it. */
export interface Pickup {
  job: number;
  seconds: number;
}

/**
 * When each pending job became pending, as the cycles listed them, so that a launch can tell how long its
 * jobs waited. A job counts once: its first launch takes it.
 */
export class PendingSince {
  readonly #since = new Map<number, number>();

  /** The pending jobs a cycle read: remembers new ones, forgets those no longer pending. */
  seen(jobs: readonly MatchableJob[], at: Date): void {
    const now = at.getTime();
    const listed = new Set<number>();
    for (const job of jobs) {
      listed.add(job.id);
      if (this.#since.has(job.id)) continue;
      const since = pendingSinceOf(job, now);
      if (since !== undefined) this.#since.set(job.id, since);
    }
    for (const id of this.#since.keys()) if (!listed.has(id)) this.#since.delete(id);
  }

  /** The pickup times of the jobs a launch at `at` was made for (those whose pending time is known). */
  take(jobIds: readonly number[], at: Date): Pickup[] {
    const out: Pickup[] = [];
    for (const job of jobIds) {
      const since = this.#since.get(job);
      if (since === undefined) continue;
      out.push({ job, seconds: Math.max(0, (at.getTime() - since) / 1000) });
      this.#since.delete(job);
    }
    return out;
  }
}

/** Keeps a launch's pickup times among the state's most recent ones (for `status`), to 0.1 s. */
export function recordPickups(
  state: LaunchState,
  instance: string,
  pickups: readonly Pickup[],
  at: Date,
): void {
  if (pickups.length === 0) return;
  const records = pickups.map((p) => ({
    at: at.toISOString(),
    instance,
    job: p.job,
    seconds: Math.round(p.seconds * 10) / 10,
  }));
  state.recentPickups = [...(state.recentPickups ?? []), ...records].slice(-RECENT_PICKUPS_KEPT);
}
