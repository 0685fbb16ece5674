export type { AccessTokenInfo } from './access-token.js';
export type { RequestOptions } from './call.js';
export { GitLabClient } from './client.js';
export {
  GITLAB_ERROR_CODES,
  GitLabAbortError,
  GitLabError,
  type GitLabErrorCode,
  GitLabGraphQLError,
  type GitLabErrorOptions,
  GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabResponseTooLargeError,
  GitLabTimeoutError,
  isNotFound,
  type RequestTarget,
} from './errors.js';
export type { ListPendingJobsOptions } from './pending-jobs.js';
export type { GitLabGroup, GitLabMember, GitLabUser } from './groups.js';
export {
  GROUP_PENDING_JOBS_QUERY,
  type GroupPendingJobs,
  GroupPendingJobsReader,
  idFromGid,
  type ProjectJob,
} from './group-pending-jobs.js';
export type { ListedRunner, ListProjectRunnersOptions } from './runner-lists.js';
export type { RunnerDetails } from './runner-projects.js';
export {
  type ProxyRoute,
  type ProxySettings,
  type ProxyVariable,
  proxyRoute,
  proxySettings,
  redactProxyUrl,
} from './proxy.js';
export type { RateLimitState } from './rate-limit.js';
export type { RetryOptions } from './retry.js';
export type {
  CreatedRunner,
  CreateRunnerParams,
  RunnerToken,
  UpdateRunnerParams,
  VerifiedRunner,
} from './runners.js';
export type { GitLabJob, GitLabProject, GitLabRunner } from './schemas.js';
export { DEFAULT_MAX_RESPONSE_BYTES, type GitLabClientOptions, type GitLabLogger } from './transport.js';
