import type { LaunchRecord } from './state.js';

/** A job handed from an ended launch to a launch still in flight. */
export interface Reassignment {
  /** The pending job the ended launch was planned for. */
  job: number;
  /** The launch that ended without taking it. */
  from: string;
  /** The launch in flight that now counts it (in place of `replaced`). */
  to: string;
  /** The job of `to` that left the pending list (taken by the ended launch's runner). */
  replaced: number;
}

/**
 * A runner takes whichever job GitLab hands it, not the one its launch was planned for. When a launch ends
 * while some of its jobs are still pending, its runner took other jobs instead: those of launches of the same
 * instance that are still in flight. Such a launch's runner has not used its capacity yet; counted only by
 * its own jobs still pending (none), it would look done and the jobs of the ended launch would be launched
 * again while it still takes one of them.
 *
 * So the ended launch's jobs still pending are handed to in-flight launches of its instance whose planned
 * jobs left the pending list, one for one, oldest launch first, at most as many as the ended launch took
 * beyond its own jobs (`numJobs` minus its jobs gone). This assumes that an ended launch used its capacity;
 * when its runner took nothing (it crashed), the handed job waits until the launch it was handed to ends,
 * and is then launched for: a later launch, never a second one.
 *
 * Changes the `jobIds` of `inFlight` records in place and returns what it moved.
 */
export function reassignEndedJobs(
  ended: readonly LaunchRecord[],
  inFlight: readonly LaunchRecord[],
  pending: ReadonlySet<number>,
): Reassignment[] {
  const moved: Reassignment[] = [];
  const order = [...ended].sort((a, b) =>
    a.launchedAt < b.launchedAt ? -1 : a.launchedAt > b.launchedAt ? 1 : 0,
  );
  for (const record of order) {
    const left = record.jobIds.filter((id) => pending.has(id));
    const gone = record.jobIds.length - left.length;
    let budget = Math.min(left.length, Math.max(0, record.numJobs - gone));
    if (budget === 0) continue;
    const targets = inFlight
      .filter((r) => r.instance === record.instance && r !== record)
      .sort((a, b) => (a.launchedAt < b.launchedAt ? -1 : a.launchedAt > b.launchedAt ? 1 : 0));
    for (const target of targets) {
      for (let i = 0; i < target.jobIds.length && budget > 0 && left.length > 0; i++) {
        const replaced = target.jobIds[i]!;
        if (pending.has(replaced)) continue;
        const index = left.findIndex((id) => !target.jobIds.includes(id));
        if (index < 0) break;
        const [job] = left.splice(index, 1) as [number];
        target.jobIds[i] = job;
        budget--;
        moved.push({ job, from: record.id, to: target.id, replaced });
      }
      if (budget === 0 || left.length === 0) break;
    }
  }
  return moved;
}
