import type { GitLabClient } from '@mr/gitlab-api';
import { forEachLimited } from '@mr/node-kit';
import type { Logger } from '@mr/logger';
import { type Config, configScope } from '@mr/runner-config';
import type { MatchableJob } from './match.js';

/** Projects polled at once when the config names several. */
export const PROJECT_POLL_CONCURRENCY = 4;

/**
 * Where a launcher reads the pending jobs of its config, each job with the path of its project when the
 * config covers more than one (logs, state and `status` then name it):
 * - `project`: `GET /projects/:id/jobs?scope[]=pending`, every page (the original's way);
 * - `projects`: the same for each project, at most {@link PROJECT_POLL_CONCURRENCY} at once (one request per
 *   project and page per cycle);
 * - `group`: the GraphQL reader of `@mr/gitlab-api` (`GroupPendingJobsReader`: about one request per 100
 *   projects), which lists the group's projects anew every cycle, so a project added to the group later
 *   is covered from the next cycle on. Jobs of projects that turned group runners off are left out (no
 *   group runner can take them), with one warning per project until that changes.
 * A project or group that cannot be read fails the cycle (no job is taken for gone because a read failed).
 */
export function pendingJobSource(
  client: GitLabClient,
  config: Config,
  logger: Logger,
): (signal: AbortSignal) => Promise<MatchableJob[]> {
  const scope = configScope(config);
  if (scope.kind === 'group') {
    let reader: ReturnType<GitLabClient['groupPendingJobsReader']> | undefined;
    // Projects with pending jobs and group runners turned off, warned about until that changes.
    const warnedOff = new Set<string>();
    return async (signal) => {
      if (!reader) {
        // GraphQL names groups by full path; a numeric id is looked up once.
        const path = /^\d+$/.test(scope.group)
          ? (await client.getGroup(scope.group, { signal })).full_path
          : scope.group;
        reader = client.groupPendingJobsReader(path, { includeSubgroups: scope.includeSubgroups });
      }
      const read = await reader.read({ signal });
      logger.debug('read the pending jobs of the group', {
        group: scope.group,
        projects: read.projects,
        requests: read.pages + read.readAgain.length,
        ...(read.readAgain.length > 0 ? { read_again: read.readAgain.join(',') } : {}),
      });
      const off = new Set<string>();
      for (const { path, jobs } of read.groupRunnersOff) {
        if (jobs === 0) continue;
        off.add(path);
        if (warnedOff.has(path)) continue;
        warnedOff.add(path);
        logger.warn(
          `project ${path} has group runners turned off, so no runner of this group can take its ${jobs} pending job(s); they are not launched for (turn on "Enable group runners for this project" in its Settings → CI/CD → Runners)`,
          { project: path, jobs },
        );
      }
      for (const path of warnedOff) if (!off.has(path)) warnedOff.delete(path);
      return read.jobs.map((job) => ({ ...job, project: job.project.path }));
    };
  }
  const refs = scope.kind === 'project' ? [scope.project] : scope.projects;
  const several = scope.kind === 'projects';
  const resolved = new Map<string, { id: number; path: string }>();
  return async (signal) => {
    const jobs: MatchableJob[] = [];
    await forEachLimited(refs, PROJECT_POLL_CONCURRENCY, async (ref) => {
      let project = resolved.get(ref);
      if (!project) {
        const found = await client.getProject(ref, { signal });
        project = { id: found.id, path: found.path_with_namespace ?? ref };
        resolved.set(ref, project);
      }
      for (const job of await client.listPendingJobs(project.id, { signal }))
        jobs.push(several ? { ...job, project: project.path } : job);
    });
    // One job once, even if two entries of `projects` name the same project (a path and its id).
    const unique = new Map(jobs.map((job) => [job.id, job]));
    return [...unique.values()].sort((a, b) => a.id - b.id);
  };
}
