import type { MatchableJob } from './match.js';
import type { ProjectPendingRecord } from './state.js';

/**
 * The pending jobs of a cycle per project: how many, how many matched to an instance, how many not, and how
 * many a launch in flight was planned for (`launched`). Jobs without a project are left out; projects in
 * path order.
 */
export function countByProject(
  jobs: readonly MatchableJob[],
  matched: ReadonlySet<number>,
  launched: ReadonlySet<number>,
): ProjectPendingRecord[] {
  const counts = new Map<string, ProjectPendingRecord>();
  for (const job of jobs) {
    if (!job.project) continue;
    let record = counts.get(job.project);
    if (!record) {
      record = { project: job.project, pending: 0, matched: 0, unmatched: 0, launched: 0 };
      counts.set(job.project, record);
    }
    record.pending++;
    if (matched.has(job.id)) record.matched++;
    else record.unmatched++;
    if (launched.has(job.id)) record.launched++;
  }
  return [...counts.values()].sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
}

/** The paths of the projects of some jobs, each once, in the order the jobs come. */
export function projectsOfJobs(jobIds: readonly number[], projectOf: ReadonlyMap<number, string>): string[] {
  const out: string[] = [];
  for (const id of jobIds) {
    const project = projectOf.get(id);
    if (project !== undefined && !out.includes(project)) out.push(project);
  }
  return out;
}
