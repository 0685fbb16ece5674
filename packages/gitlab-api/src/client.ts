import type { ProxyRoute } from './proxy.js';
import { type AccessTokenInfo, getAccessTokenSelf } from './access-token.js';
import type { RequestOptions } from './call.js';
import { type ListPendingJobsOptions, listPendingJobs, pendingJobPages } from './pending-jobs.js';
import type { z } from 'zod';
import {
  type GitLabGroup,
  type GitLabMember,
  type GitLabUser,
  getCurrentUser,
  getGroup,
  getGroupMember,
} from './groups.js';
import { GroupPendingJobsReader } from './group-pending-jobs.js';
import { graphqlQuery } from './graphql.js';
import {
  type ListedRunner,
  type ListProjectRunnersOptions,
  listGroupRunners,
  listProjectRunners,
} from './runner-lists.js';
import {
  disableProjectRunner,
  enableProjectRunner,
  getRunner,
  type RunnerDetails,
} from './runner-projects.js';
import { getJob, getProject } from './projects.js';
import type { RateLimitState } from './rate-limit.js';
import {
  type CreatedRunner,
  type CreateRunnerParams,
  createRunner,
  deleteRunner,
  type RunnerToken,
  resetRunnerToken,
  type UpdateRunnerParams,
  updateRunner,
  type VerifiedRunner,
  verifyRunner,
} from './runners.js';
import type { GitLabJob, GitLabProject, GitLabRunner } from './schemas.js';
import { type GitLabClientOptions, Transport } from './transport.js';

/**
 * A GitLab REST API client: projects and jobs (`projects.ts`), pending jobs (`pending-jobs.ts`) and runners
 * (`runners.ts`) over one {@link Transport} (keep-alive pool, timeouts, retries, checked answers, errors
 * that never contain a token).
 */
export class GitLabClient {
  readonly origin: string;
  readonly apiPath: string;
  readonly #transport: Transport;

  constructor(options: GitLabClientOptions) {
    this.#transport = new Transport(options);
    this.origin = this.#transport.origin;
    this.apiPath = this.#transport.apiPath;
  }

  /** `GET /personal_access_tokens/self`: the scopes and expiry of the client's own token. */
  getAccessTokenSelf(options?: RequestOptions): Promise<AccessTokenInfo> {
    return getAccessTokenSelf(this.#transport, options);
  }

  /** How requests reach GitLab: directly (and why), or through which proxy (its URL redacted). */
  get route(): ProxyRoute {
    return this.#transport.route;
  }

  /**
   * `GET /version` without the token and without retries: the HTTP status of whatever answers (GitLab says
   * 401), or the GitLabError (network, TLS, proxy, timeout) when nothing does.
   */
  probe(options?: RequestOptions): Promise<number> {
    return this.#transport.probe('/version', options?.signal);
  }

  /** What GitLab's RateLimit-* headers said last; undefined until an answer carried them. */
  rateLimit(): RateLimitState | undefined {
    return this.#transport.rateLimit;
  }

  /** `GET /projects/:id` by numeric id or full path (`group/project`). */
  getProject(idOrPath: number | string, options?: RequestOptions): Promise<GitLabProject> {
    return getProject(this.#transport, idOrPath, options);
  }

  /** `GET /groups/:id` by numeric id or full path (`my-group/subgroup`). */
  getGroup(idOrPath: number | string, options?: RequestOptions): Promise<GitLabGroup> {
    return getGroup(this.#transport, idOrPath, options);
  }

  /** `GET /user`: the token's user. */
  getCurrentUser(options?: RequestOptions): Promise<GitLabUser> {
    return getCurrentUser(this.#transport, options);
  }

  /** `GET /groups/:id/members/all/:user_id`: a member's access level, inherited ones included. */
  getGroupMember(groupId: number | string, userId: number, options?: RequestOptions): Promise<GitLabMember> {
    return getGroupMember(this.#transport, groupId, userId, options);
  }

  /** One GraphQL query (`POST /api/graphql`) through the same transport; `data` is checked against `schema`. */
  graphql<T extends z.ZodType>(
    query: string,
    variables: Record<string, unknown>,
    schema: T,
    options?: RequestOptions & { operation?: string },
  ): Promise<z.output<T>> {
    return graphqlQuery(this.#transport, query, variables, schema, options);
  }

  /** A reader of the pending jobs of every project of a group; see {@link GroupPendingJobsReader}. */
  groupPendingJobsReader(
    groupPath: string,
    options: { includeSubgroups: boolean; projectsPerPage?: number },
  ): GroupPendingJobsReader {
    return new GroupPendingJobsReader(this.#transport, groupPath, options);
  }

  /** `GET /projects/:id/jobs/:job_id`. */
  getJob(projectId: number | string, jobId: number, options?: RequestOptions): Promise<GitLabJob> {
    return getJob(this.#transport, projectId, jobId, options);
  }

  /** The pending jobs of a project, page by page; see {@link pendingJobPages}. */
  pendingJobPages(
    projectId: number | string,
    options?: ListPendingJobsOptions,
  ): AsyncGenerator<GitLabJob[], void, undefined> {
    return pendingJobPages(this.#transport, projectId, options);
  }

  /** All pending jobs of a project (every page), each job once. */
  listPendingJobs(projectId: number | string, options?: ListPendingJobsOptions): Promise<GitLabJob[]> {
    return listPendingJobs(this.#transport, projectId, options);
  }

  /** `POST /user/runners`; see {@link createRunner}. */
  createRunner(params: CreateRunnerParams, options?: RequestOptions): Promise<CreatedRunner> {
    return createRunner(this.#transport, params, options);
  }

  /** `GET /projects/:id/runners`, every page: ids and descriptions; see {@link listProjectRunners}. */
  listProjectRunners(
    projectId: number | string,
    options?: ListProjectRunnersOptions,
  ): Promise<ListedRunner[]> {
    return listProjectRunners(this.#transport, projectId, options);
  }

  /** `GET /groups/:id/runners`, every page; see {@link listGroupRunners}. */
  listGroupRunners(groupId: number | string, options?: ListProjectRunnersOptions): Promise<ListedRunner[]> {
    return listGroupRunners(this.#transport, groupId, options);
  }

  /** `GET /runners/:id`: the runner's details, with the projects or groups it serves. */
  getRunner(id: number, options?: RequestOptions): Promise<RunnerDetails> {
    return getRunner(this.#transport, id, options);
  }

  /** `POST /projects/:id/runners`: the project runner takes that project's jobs too. */
  enableProjectRunner(projectId: number | string, runnerId: number, options?: RequestOptions): Promise<void> {
    return enableProjectRunner(this.#transport, projectId, runnerId, options);
  }

  /** `DELETE /projects/:id/runners/:runner_id`: the project runner no longer takes that project's jobs. */
  disableProjectRunner(
    projectId: number | string,
    runnerId: number,
    options?: RequestOptions,
  ): Promise<void> {
    return disableProjectRunner(this.#transport, projectId, runnerId, options);
  }

  /** `PUT /runners/:id`; only the given fields change. */
  updateRunner(id: number, params: UpdateRunnerParams, options?: RequestOptions): Promise<GitLabRunner> {
    return updateRunner(this.#transport, id, params, options);
  }

  /** `DELETE /runners/:id`. */
  deleteRunner(id: number, options?: RequestOptions): Promise<void> {
    return deleteRunner(this.#transport, id, options);
  }

  /** `POST /runners/verify`: the runner a token belongs to, or null when GitLab refuses the token. */
  verifyRunner(token: string, options?: RequestOptions): Promise<VerifiedRunner | null> {
    return verifyRunner(this.#transport, token, options);
  }

  /** `POST /runners/:id/reset_authentication_token`: a new token; the old one stops working. */
  resetRunnerToken(id: number, options?: RequestOptions): Promise<RunnerToken> {
    return resetRunnerToken(this.#transport, id, options);
  }

  /** Closes the connections; requests still in flight fail. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}
