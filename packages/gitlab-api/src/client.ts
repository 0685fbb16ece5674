import { type AccessTokenInfo, getAccessTokenSelf } from './access-token.js';
import type { RequestOptions } from './call.js';
import { type ListPendingJobsOptions, listPendingJobs, pendingJobPages } from './pending-jobs.js';
import { type ListedRunner, type ListProjectRunnersOptions, listProjectRunners } from './project-runners.js';
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

  /** What GitLab's RateLimit-* headers said last; undefined until an answer carried them. */
  rateLimit(): RateLimitState | undefined {
    return this.#transport.rateLimit;
  }

  /** `GET /projects/:id` by numeric id or full path (`group/project`). */
  getProject(idOrPath: number | string, options?: RequestOptions): Promise<GitLabProject> {
    return getProject(this.#transport, idOrPath, options);
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
