export { type ApiBase, apiBase } from './base-url.js';
export {
  type CreatedRunner,
  type CreateRunnerParams,
  GitLabClient,
  type GitLabClientOptions,
  type GitLabLogger,
  type ListPendingJobsOptions,
  type RequestOptions,
  type RunnerToken,
  type UpdateRunnerParams,
  type VerifiedRunner,
} from './client.js';
export {
  GitLabAbortError,
  GitLabError,
  type GitLabErrorOptions,
  GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabTimeoutError,
  isNotFound,
  type RequestTarget,
} from './errors.js';
export { nextPagePath, parseLinkHeader } from './pagination.js';
export { REDACTED, Redactor } from './redact.js';
export { defaultRetry, type RetryDelay, type RetryOptions, retryDelay } from './retry.js';
export {
  type GitLabJob,
  type GitLabProject,
  type GitLabRunner,
  jobSchema,
  projectSchema,
  runnerSchema,
} from './schemas.js';
