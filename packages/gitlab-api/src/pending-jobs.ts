import { type Call, encodeId, type RequestOptions, withoutQuery } from './call.js';
import { GitLabResponseError } from './errors.js';
import { nextPagePath } from './pagination.js';
import { fastJobList, type GitLabJob, JobInterner, jobListSchema } from './schemas.js';
import type { Transport } from './transport.js';

export interface ListPendingJobsOptions extends RequestOptions {
  /**
   * `keyset` (default; GitLab's recommendation for jobs, falls back to whatever the server answers) or
   * `offset` (`page=N`). Either way the client follows `Link: rel="next"` or `x-next-page`, never page counts.
   */
  pagination?: 'keyset' | 'offset';
  /** Page size asked for (GitLab's maximum is 100). Default 100. */
  perPage?: number;
  /** Stop with an error after this many pages (a server that never stops paginating). Default 1,000. */
  maxPages?: number;
}

/**
 * The pending jobs of a project, page by page (`GET /projects/:id/jobs?scope[]=pending`). Follows
 * `Link: rel="next"` or `x-next-page` to the end, whatever page size the server actually used.
 */
export async function* pendingJobPages(
  transport: Transport,
  projectId: number | string,
  options: ListPendingJobsOptions = {},
): AsyncGenerator<GitLabJob[], void, undefined> {
  const query = new URLSearchParams();
  query.append('scope[]', 'pending');
  query.set('per_page', String(options.perPage ?? 100));
  if ((options.pagination ?? 'keyset') === 'keyset') {
    query.set('pagination', 'keyset');
    query.set('order_by', 'id');
    query.set('sort', 'desc');
  }
  const maxPages = options.maxPages ?? 1000;
  const visited = new Set<string>();
  const seenIds = new Set<number>();
  const loop = (path: string, why: string) =>
    new GitLabResponseError(`GitLab's pagination of GET ${withoutQuery(path)} ${why}`, {
      method: 'GET',
      path,
      fields: ['link'],
      hint: 'The server sends a wrong next-page link; report this to its administrators.',
    });
  const interner = new JobInterner();
  let path: string | undefined = transport.api(`/projects/${encodeId(projectId)}/jobs?${query}`);
  while (path !== undefined) {
    const call: Call = { method: 'GET', path, retryOn: 'all', signal: options.signal };
    if (visited.size >= maxPages || visited.has(path)) {
      throw loop(
        path,
        visited.has(path) ? 'points back to a page already read' : `goes on beyond ${maxPages} pages`,
      );
    }
    visited.add(path);
    const answer = await transport.request(call);
    const page = fastJobList(answer.data, interner) ?? transport.parse(jobListSchema, call, answer);
    const next = nextPagePath(path, answer.headers, transport.apiPath);
    // A page of jobs all read before, or an empty page that is not the last, means the pages go round.
    if (next !== undefined && (page.length === 0 || page.every((job) => seenIds.has(job.id))))
      throw loop(
        path,
        page.length === 0 ? 'sends an empty page with a next page' : 'repeats a page already read',
      );
    for (const job of page) seenIds.add(job.id);
    yield page;
    path = next;
  }
}

/** All pending jobs of a project (every page), each job once even if pages shifted while reading. */
export async function listPendingJobs(
  transport: Transport,
  projectId: number | string,
  options: ListPendingJobsOptions = {},
): Promise<GitLabJob[]> {
  const jobs = new Map<number, GitLabJob>();
  for await (const page of pendingJobPages(transport, projectId, options)) {
    for (const job of page) {
      if (job.status && job.status !== 'pending') continue;
      if (!jobs.has(job.id)) jobs.set(job.id, job);
    }
  }
  return [...jobs.values()];
}
