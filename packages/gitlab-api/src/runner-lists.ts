import { z } from 'zod';
import { type Call, encodeId, type RequestOptions, withoutQuery } from './call.js';
import { GitLabResponseError } from './errors.js';
import { nextPagePath } from './pagination.js';
import type { Transport } from './transport.js';

/** One entry of a runner listing: GitLab lists id, description and type (no token, no tags). */
export const listedRunnerSchema = z.looseObject({
  id: z.number().int(),
  description: z.string().nullish(),
  runner_type: z.string().nullish(),
});
export type ListedRunner = z.infer<typeof listedRunnerSchema>;

const listedRunnersSchema = z.array(listedRunnerSchema);

export interface ListProjectRunnersOptions extends RequestOptions {
  /** Only runners of this type (`project_type`: those registered for the project itself). */
  type?: 'instance_type' | 'group_type' | 'project_type' | undefined;
  /** Stop with an error after this many pages. Default 1,000. */
  maxPages?: number | undefined;
}

/** Every page of a runner listing below `resource` (`/projects/:id` or `/groups/:id`). */
async function listRunners(
  transport: Transport,
  resource: string,
  options: ListProjectRunnersOptions,
): Promise<ListedRunner[]> {
  const query = new URLSearchParams({ per_page: '100' });
  if (options.type) query.set('type', options.type);
  const maxPages = options.maxPages ?? 1000;
  const visited = new Set<string>();
  const runners = new Map<number, ListedRunner>();
  let path: string | undefined = transport.api(`${resource}/runners?${query}`);
  while (path !== undefined) {
    if (visited.size >= maxPages || visited.has(path)) {
      throw new GitLabResponseError(
        `GitLab's pagination of GET ${withoutQuery(path)} ${visited.has(path) ? 'points back to a page already read' : `goes on beyond ${maxPages} pages`}`,
        { method: 'GET', path, fields: ['link'] },
      );
    }
    visited.add(path);
    const call: Call = { method: 'GET', path, retryOn: 'all', signal: options.signal };
    const answer = await transport.request(call);
    for (const runner of transport.parse(listedRunnersSchema, call, answer)) runners.set(runner.id, runner);
    path = nextPagePath(path, answer.headers, transport.apiPath);
  }
  return [...runners.values()];
}

/**
 * `GET /projects/:id/runners` (doc/api/runners.md, "List project's runners"), every page: the runners the
 * project can use, with their ids and descriptions. Follows `Link: rel="next"` or `x-next-page`; a next
 * page that was read already is an error, not an endless loop.
 */
export function listProjectRunners(
  transport: Transport,
  projectId: number | string,
  options: ListProjectRunnersOptions = {},
): Promise<ListedRunner[]> {
  return listRunners(transport, `/projects/${encodeId(projectId)}`, options);
}

/**
 * `GET /groups/:id/runners` (doc/api/runners.md, "List group's runners"), every page: the runners of the
 * group and its ancestors (and instance runners unless `type` narrows it).
 */
export function listGroupRunners(
  transport: Transport,
  groupId: number | string,
  options: ListProjectRunnersOptions = {},
): Promise<ListedRunner[]> {
  return listRunners(transport, `/groups/${encodeId(groupId)}`, options);
}
