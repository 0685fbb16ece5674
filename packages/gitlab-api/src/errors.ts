import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** The codes of the client's errors, except `MR_GITLAB_HTTP_<status>` (one per HTTP status). */
export const GITLAB_ERROR_CODES = [
  'MR_GITLAB_BAD_URL',
  'MR_GITLAB_NETWORK',
  'MR_GITLAB_TIMEOUT',
  'MR_GITLAB_BAD_RESPONSE',
  'MR_GITLAB_ABORTED',
  'MR_GITLAB_RESPONSE_TOO_LARGE',
  'MR_GITLAB_GRAPHQL',
  'MR_GITLAB_PROXY',
] as const;

/** Stable codes of the client's errors. */
export type GitLabErrorCode = (typeof GITLAB_ERROR_CODES)[number] | `MR_GITLAB_HTTP_${number}`;

export type GitLabErrorOptions = MetaRunnerErrorOptions;

/**
 * Base class of every error thrown by the client. `code` is stable (`MR_GITLAB_...`); messages, details,
 * hints and causes never contain a token: they are redacted before the error is built.
 */
export class GitLabError extends MetaRunnerError<GitLabErrorCode> {
  override name = 'GitLabError';
}

/** Where a request went: method and path below the origin (query included, never a token). */
export interface RequestTarget {
  method: string;
  path: string;
}

/** An error of one request: it names the request's method and path. */
export class GitLabRequestError extends GitLabError implements RequestTarget {
  override name = 'GitLabRequestError';
  readonly method: string;
  readonly path: string;

  constructor(code: GitLabErrorCode, message: string, options: GitLabErrorOptions & RequestTarget) {
    super(code, message, options);
    this.method = options.method;
    this.path = options.path;
  }
}

/** GitLab answered with a status that is not a success (after any retries). Code `MR_GITLAB_HTTP_<status>`. */
export class GitLabHttpError extends GitLabRequestError {
  override name = 'GitLabHttpError';
  readonly status: number;
  /** GitLab's own error text (`message` or `error` of the body), redacted and shortened. */
  readonly gitlabMessage: string | undefined;
  /** Attempts made, retries included. */
  readonly attempts: number;

  constructor(
    message: string,
    options: GitLabErrorOptions &
      RequestTarget & { status: number; gitlabMessage?: string | undefined; attempts: number },
  ) {
    super(`MR_GITLAB_HTTP_${options.status}`, message, options);
    this.status = options.status;
    this.gitlabMessage = options.gitlabMessage;
    this.attempts = options.attempts;
  }
}

/**
 * An answer longer than the client's `maxResponseBytes`: reading stopped there and the connection was
 * closed. Code `MR_GITLAB_RESPONSE_TOO_LARGE`; never retried.
 */
export class GitLabResponseTooLargeError extends GitLabRequestError {
  override name = 'GitLabResponseTooLargeError';
  readonly limitBytes: number;

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { limitBytes: number }) {
    super('MR_GITLAB_RESPONSE_TOO_LARGE', message, options);
    this.limitBytes = options.limitBytes;
  }
}

/** The connection failed (refused, reset, DNS, TLS). Code `MR_GITLAB_NETWORK`. */
export class GitLabNetworkError extends GitLabRequestError {
  override name = 'GitLabNetworkError';
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;
  readonly attempts: number;

  constructor(
    message: string,
    options: GitLabErrorOptions & RequestTarget & { errorCode?: string | undefined; attempts: number },
  ) {
    super('MR_GITLAB_NETWORK', message, options);
    this.errorCode = options.errorCode;
    this.attempts = options.attempts;
  }
}

/** No complete answer within the per-request timeout. Code `MR_GITLAB_TIMEOUT`. */
export class GitLabTimeoutError extends GitLabRequestError {
  override name = 'GitLabTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { timeoutMs: number }) {
    super('MR_GITLAB_TIMEOUT', message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** GitLab's answer does not have the shape the client needs. Code `MR_GITLAB_BAD_RESPONSE`. */
export class GitLabResponseError extends GitLabRequestError {
  override name = 'GitLabResponseError';
  /** The offending fields as paths, e.g. `[3].tag_list`. */
  readonly fields: string[];

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { fields: string[] }) {
    super('MR_GITLAB_BAD_RESPONSE', message, options);
    this.fields = options.fields;
  }
}

/**
 * GitLab answered a GraphQL query with `errors` (an unknown field or argument on an older GitLab, a query
 * above its complexity limit, a timeout). Code `MR_GITLAB_GRAPHQL`; `messages` are GitLab's, redacted.
 */
export class GitLabGraphQLError extends GitLabRequestError {
  override name = 'GitLabGraphQLError';
  readonly messages: string[];

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { messages: string[] }) {
    super('MR_GITLAB_GRAPHQL', message, options);
    this.messages = options.messages;
  }
}

/** The caller's AbortSignal fired. Code `MR_GITLAB_ABORTED`. */
export class GitLabAbortError extends GitLabRequestError {
  override name = 'GitLabAbortError';

  constructor(message: string, options: GitLabErrorOptions & RequestTarget) {
    super('MR_GITLAB_ABORTED', message, options);
  }
}

/** True for a {@link GitLabHttpError} with status 404 (the project, job or runner does not exist). */
export function isNotFound(error: unknown): error is GitLabHttpError {
  return error instanceof GitLabHttpError && error.status === 404;
}
