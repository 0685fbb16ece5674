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

/** GitLab answered with a status that is not a success (after any retries). Code `MR_GITLAB_HTTP_<status>`. */
export class GitLabHttpError extends GitLabError {
  override name = 'GitLabHttpError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
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
    this.method = options.method;
    this.path = options.path;
    this.gitlabMessage = options.gitlabMessage;
    this.attempts = options.attempts;
  }
}

/**
 * An answer longer than the client's `maxResponseBytes`: reading stopped there and the connection was
 * closed. Code `MR_GITLAB_RESPONSE_TOO_LARGE`; never retried.
 */
export class GitLabResponseTooLargeError extends GitLabError {
  override name = 'GitLabResponseTooLargeError';
  readonly method: string;
  readonly path: string;
  readonly limitBytes: number;

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { limitBytes: number }) {
    super('MR_GITLAB_RESPONSE_TOO_LARGE', message, options);
    this.method = options.method;
    this.path = options.path;
    this.limitBytes = options.limitBytes;
  }
}

/** The connection failed (refused, reset, DNS, TLS). Code `MR_GITLAB_NETWORK`. */
export class GitLabNetworkError extends GitLabError {
  override name = 'GitLabNetworkError';
  readonly method: string;
  readonly path: string;
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;
  readonly attempts: number;

  constructor(
    message: string,
    options: GitLabErrorOptions & RequestTarget & { errorCode?: string | undefined; attempts: number },
  ) {
    super('MR_GITLAB_NETWORK', message, options);
    this.method = options.method;
    this.path = options.path;
    this.errorCode = options.errorCode;
    this.attempts = options.attempts;
  }
}

/** No complete answer within the per-request timeout. Code `MR_GITLAB_TIMEOUT`. */
export class GitLabTimeoutError extends GitLabError {
  override name = 'GitLabTimeoutError';
  readonly method: string;
  readonly path: string;
  readonly timeoutMs: number;

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { timeoutMs: number }) {
    super('MR_GITLAB_TIMEOUT', message, options);
    this.method = options.method;
    this.path = options.path;
    this.timeoutMs = options.timeoutMs;
  }
}

/** GitLab's answer does not have the shape the client needs. Code `MR_GITLAB_BAD_RESPONSE`. */
export class GitLabResponseError extends GitLabError {
  override name = 'GitLabResponseError';
  readonly method: string;
  readonly path: string;
  /** The offending fields as paths, e.g. `[3].tag_list`. */
  readonly fields: string[];

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { fields: string[] }) {
    super('MR_GITLAB_BAD_RESPONSE', message, options);
    this.method = options.method;
    this.path = options.path;
    this.fields = options.fields;
  }
}

/**
 * GitLab answered a GraphQL query with `errors` (an unknown field or argument on an older GitLab, a query
 * above its complexity limit, a timeout). Code `MR_GITLAB_GRAPHQL`; `messages` are GitLab's, redacted.
 */
export class GitLabGraphQLError extends GitLabError {
  override name = 'GitLabGraphQLError';
  readonly method: string;
  readonly path: string;
  readonly messages: string[];

  constructor(message: string, options: GitLabErrorOptions & RequestTarget & { messages: string[] }) {
    super('MR_GITLAB_GRAPHQL', message, options);
    this.method = options.method;
    this.path = options.path;
    this.messages = options.messages;
  }
}

/** The caller's AbortSignal fired. Code `MR_GITLAB_ABORTED`. */
export class GitLabAbortError extends GitLabError {
  override name = 'GitLabAbortError';
  readonly method: string;
  readonly path: string;

  constructor(message: string, options: GitLabErrorOptions & RequestTarget) {
    super('MR_GITLAB_ABORTED', message, options);
    this.method = options.method;
    this.path = options.path;
  }
}

/** True for a {@link GitLabHttpError} with status 404 (the project, job or runner does not exist). */
export function isNotFound(error: unknown): error is GitLabHttpError {
  return error instanceof GitLabHttpError && error.status === 404;
}
