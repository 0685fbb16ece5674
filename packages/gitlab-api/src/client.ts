import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import type { z } from 'zod';
import { apiBase } from './base-url.js';
import {
  GitLabAbortError,
  type GitLabError,
  GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabTimeoutError,
} from './errors.js';
import { nextPagePath } from './pagination.js';
import { Redactor } from './redact.js';
import {
  defaultRetry,
  type RetryOptions,
  retryableErrorCodes,
  retryableStatuses,
  retryDelay,
  sleep,
} from './retry.js';
import {
  createdRunnerSchema,
  type GitLabJob,
  type GitLabProject,
  type GitLabRunner,
  fastJobList,
  JobInterner,
  jobListSchema,
  jobSchema,
  projectSchema,
  resetTokenSchema,
  runnerSchema,
  verifiedRunnerSchema,
} from './schemas.js';

/** The few logger methods the client uses; `@mr/logger`'s `Logger` fits. */
export interface GitLabLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface GitLabClientOptions {
  /** GitLab's URL: `https://gitlab.example.com` (API at `/api/v4`), with a path prefix if GitLab has one. */
  baseUrl: string;
  /** Personal, project or group access token, sent as `PRIVATE-TOKEN`. */
  token: string;
  /** Longest time for one request, answer body included. Default 30,000 ms. */
  timeoutMs?: number;
  retry?: RetryOptions;
  userAgent?: string;
  logger?: GitLabLogger;
  /** Most connections kept open to GitLab at once. Default 8. */
  connections?: number;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
}

export interface ListPendingJobsOptions extends RequestOptions {
  /**
   * `keyset` (default; GitLab's recommendation for jobs, falls back to whatever the server answers) or
   * `offset` (`page=N`). Either way the client follows `Link: rel="next"` or `x-next-page`, never page counts.
   */
  pagination?: 'keyset' | 'offset';
  /** Page size asked for (GitLab's maximum is 100). Default 100. */
  perPage?: number;
  /** Stop with an error after this many pages (a server that never stops paginating). Default 10,000. */
  maxPages?: number;
}

export interface CreateRunnerParams {
  projectId: number;
  description: string;
  tagList: readonly string[];
  runUntagged: boolean;
  /** Lock the runner to the project. Default true. */
  locked?: boolean;
  /** Register the runner paused. Default false. */
  paused?: boolean;
  /** Longest job the runner accepts, in seconds. */
  maximumTimeout?: number | undefined;
  accessLevel?: 'not_protected' | 'ref_protected' | undefined;
}

export interface UpdateRunnerParams {
  description?: string;
  tagList?: readonly string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  maximumTimeout?: number | undefined;
  accessLevel?: 'not_protected' | 'ref_protected' | undefined;
}

/** A newly created runner. The token cannot be read from GitLab again: store it at once. */
export interface CreatedRunner {
  id: number;
  token: string;
  token_expires_at: string | null;
}

export interface RunnerToken {
  token: string;
  token_expires_at: string | null;
}

/** What `POST /runners/verify` tells about a valid runner token. */
export interface VerifiedRunner {
  id: number | null;
  token_expires_at: string | null;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Call {
  method: Method;
  /** Path below the origin, query included. */
  path: string;
  body?: Record<string, unknown> | undefined;
  /** `all`: 429, 502, 503, 504 and connection resets. `rate-limit`: only 429 (GitLab certainly did nothing). */
  retryOn: 'all' | 'rate-limit';
  signal?: AbortSignal | undefined;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  data: unknown;
}

const timeoutReason = Symbol('timeout');

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function hintFor(status: number): string | undefined {
  if (status === 401) return 'The token was refused: check management_token (wrong, expired or revoked?).';
  if (status === 403) {
    return 'The token lacks a permission: it needs the read_api, create_runner and manage_runner scopes and the Maintainer role in the project.';
  }
  if (status === 404) return 'The project, job or runner does not exist, or the token cannot see it.';
  if (status === 429) return 'GitLab is rate limiting this token; poll less often or try again later.';
  if (status >= 500) return 'GitLab (or a proxy in front of it) failed; try again later.';
  return undefined;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text || '(the whole answer)';
}

function withoutQuery(path: string): string {
  const at = path.indexOf('?');
  return at < 0 ? path : path.slice(0, at);
}

function encodeId(idOrPath: number | string): string {
  return encodeURIComponent(String(idOrPath));
}

/**
 * A GitLab REST API client: one keep-alive connection pool per GitLab, `PRIVATE-TOKEN` authentication,
 * per-request timeouts, bounded retries, zod-checked answers, and errors that never contain a token.
 */
export class GitLabClient {
  readonly origin: string;
  readonly apiPath: string;
  readonly #token: string;
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #retry: Required<RetryOptions>;
  readonly #userAgent: string;
  readonly #logger: GitLabLogger | undefined;
  readonly #redactor: Redactor;

  constructor(options: GitLabClientOptions) {
    const base = apiBase(options.baseUrl);
    this.origin = base.origin;
    this.apiPath = base.apiPath;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = { ...defaultRetry, ...options.retry };
    this.#userAgent = options.userAgent ?? 'gitlab-meta-runner';
    this.#logger = options.logger;
    this.#redactor = new Redactor([options.token]);
    this.#pool = new Pool(base.origin, {
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  /** `GET /projects/:id` by numeric id or full path (`group/project`). */
  async getProject(idOrPath: number | string, options: RequestOptions = {}): Promise<GitLabProject> {
    const call: Call = {
      method: 'GET',
      path: this.#api(`/projects/${encodeId(idOrPath)}`),
      retryOn: 'all',
      ...options,
    };
    return this.#parse(projectSchema, call, await this.#request(call));
  }

  /** `GET /projects/:id/jobs/:job_id`. */
  async getJob(projectId: number | string, jobId: number, options: RequestOptions = {}): Promise<GitLabJob> {
    const path = this.#api(`/projects/${encodeId(projectId)}/jobs/${jobId}`);
    const call: Call = { method: 'GET', path, retryOn: 'all', ...options };
    return this.#parse(jobSchema, call, await this.#request(call));
  }

  /**
   * The pending jobs of a project, page by page (`GET /projects/:id/jobs?scope[]=pending`). Follows
   * `Link: rel="next"` or `x-next-page` to the end, whatever page size the server actually used.
   */
  async *pendingJobPages(
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
    const maxPages = options.maxPages ?? 10_000;
    const visited = new Set<string>();
    const interner = new JobInterner();
    let path: string | undefined = this.#api(`/projects/${encodeId(projectId)}/jobs?${query}`);
    while (path !== undefined) {
      const call: Call = { method: 'GET', path, retryOn: 'all', signal: options.signal };
      if (visited.size >= maxPages || visited.has(path)) {
        const why = visited.has(path)
          ? 'points back to a page already read'
          : `goes on beyond ${maxPages} pages`;
        throw new GitLabResponseError(`GitLab's pagination of GET ${withoutQuery(path)} ${why}`, {
          method: 'GET',
          path,
          fields: ['link'],
          hint: 'The server sends a wrong next-page link; report this to its administrators.',
        });
      }
      visited.add(path);
      const answer = await this.#request(call);
      yield fastJobList(answer.data, interner) ?? this.#parse(jobListSchema, call, answer);
      path = nextPagePath(path, answer.headers, this.apiPath);
    }
  }

  /** All pending jobs of a project (every page), each job once even if pages shifted while reading. */
  async listPendingJobs(
    projectId: number | string,
    options: ListPendingJobsOptions = {},
  ): Promise<GitLabJob[]> {
    const jobs = new Map<number, GitLabJob>();
    for await (const page of this.pendingJobPages(projectId, options)) {
      for (const job of page) {
        if (job.status && job.status !== 'pending') continue;
        if (!jobs.has(job.id)) jobs.set(job.id, job);
      }
    }
    return [...jobs.values()];
  }

  /**
   * `POST /user/runners` with `runner_type=project_type`. Retried only on 429: after a 5xx or a broken
   * connection GitLab may have created the runner, and a second attempt would leave the first one orphaned.
   */
  async createRunner(params: CreateRunnerParams, options: RequestOptions = {}): Promise<CreatedRunner> {
    const body: Record<string, unknown> = {
      runner_type: 'project_type',
      project_id: params.projectId,
      description: params.description,
      tag_list: [...params.tagList],
      run_untagged: params.runUntagged,
      locked: params.locked ?? true,
      paused: params.paused ?? false,
    };
    if (params.maximumTimeout !== undefined) body.maximum_timeout = params.maximumTimeout;
    if (params.accessLevel !== undefined) body.access_level = params.accessLevel;
    const call: Call = {
      method: 'POST',
      path: this.#api('/user/runners'),
      body,
      retryOn: 'rate-limit',
      ...options,
    };
    const created = this.#parse(createdRunnerSchema, call, await this.#request(call));
    this.#redactor.add(created.token);
    return { id: created.id, token: created.token, token_expires_at: created.token_expires_at ?? null };
  }

  /** `PUT /runners/:id`; only the given fields change. A 404 means the runner no longer exists. */
  async updateRunner(
    id: number,
    params: UpdateRunnerParams,
    options: RequestOptions = {},
  ): Promise<GitLabRunner> {
    const body: Record<string, unknown> = {};
    if (params.description !== undefined) body.description = params.description;
    if (params.tagList !== undefined) body.tag_list = [...params.tagList];
    if (params.runUntagged !== undefined) body.run_untagged = params.runUntagged;
    if (params.locked !== undefined) body.locked = params.locked;
    if (params.paused !== undefined) body.paused = params.paused;
    if (params.maximumTimeout !== undefined) body.maximum_timeout = params.maximumTimeout;
    if (params.accessLevel !== undefined) body.access_level = params.accessLevel;
    const call: Call = { method: 'PUT', path: this.#api(`/runners/${id}`), body, retryOn: 'all', ...options };
    return this.#parse(runnerSchema, call, await this.#request(call));
  }

  /** `DELETE /runners/:id`. A 404 (already gone) is thrown like any error; see `isNotFound`. */
  async deleteRunner(id: number, options: RequestOptions = {}): Promise<void> {
    await this.#request({ method: 'DELETE', path: this.#api(`/runners/${id}`), retryOn: 'all', ...options });
  }

  /** `POST /runners/verify`: the runner a token belongs to, or null when GitLab refuses the token (403). */
  async verifyRunner(token: string, options: RequestOptions = {}): Promise<VerifiedRunner | null> {
    this.#redactor.add(token);
    const call: Call = {
      method: 'POST',
      path: this.#api('/runners/verify'),
      body: { token },
      retryOn: 'all',
      ...options,
    };
    try {
      const verified = this.#parse(verifiedRunnerSchema, call, await this.#request(call));
      return { id: verified.id ?? null, token_expires_at: verified.token_expires_at ?? null };
    } catch (error) {
      if (error instanceof GitLabHttpError && error.status === 403) return null;
      throw error;
    }
  }

  /** `POST /runners/:id/reset_authentication_token`: a new token; the old one stops working. */
  async resetRunnerToken(id: number, options: RequestOptions = {}): Promise<RunnerToken> {
    const path = this.#api(`/runners/${id}/reset_authentication_token`);
    const call: Call = { method: 'POST', path, retryOn: 'all', ...options };
    const reset = this.#parse(resetTokenSchema, call, await this.#request(call));
    this.#redactor.add(reset.token);
    return { token: reset.token, token_expires_at: reset.token_expires_at ?? null };
  }

  /** Closes the connections; requests still in flight fail. */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  #api(path: string): string {
    return `${this.apiPath}${path}`;
  }

  #parse<T extends z.ZodType>(schema: T, call: Call, answer: Answer): z.output<T> {
    const result = schema.safeParse(answer.data);
    if (result.success) return result.data;
    const issues = result.error.issues;
    const describe = (issue: (typeof issues)[number]) => {
      const index = issue.path[0];
      const item = typeof index === 'number' && Array.isArray(answer.data) ? answer.data[index] : undefined;
      const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'number';
      const which = id ? ` (id ${(item as { id: number }).id})` : '';
      return this.#redactor.redact(`${fieldPath(issue.path)}${which}: ${issue.message}`);
    };
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    return this.#fail(
      new GitLabResponseError(
        `GitLab's answer to ${call.method} ${withoutQuery(call.path)} is not what gitlab-meta-runner expects: ${describe(issues[0]!)}${more}`,
        {
          method: call.method,
          path: call.path,
          fields: issues.map((issue) => fieldPath(issue.path)),
          details: issues.length > 1 ? issues.slice(0, 20).map(describe) : undefined,
          hint: 'Is the URL a GitLab server, and is it a supported version?',
        },
      ),
    );
  }

  #fail(error: GitLabError): never {
    this.#logger?.debug(error.message, { code: error.code });
    throw error;
  }

  async #request(call: Call): Promise<Answer> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let error: GitLabError;
      let headers: IncomingHttpHeaders | undefined;
      let retryable: boolean;
      const outcome = await this.#attempt(call, attempt);
      if ('answer' in outcome) {
        const { answer } = outcome;
        if (answer.status < 300) return answer;
        headers = answer.headers;
        error = this.#httpError(call, answer, attempt);
        retryable = retryableStatuses.has(answer.status) && (call.retryOn === 'all' || answer.status === 429);
      } else {
        error = outcome.error;
        retryable =
          error instanceof GitLabNetworkError &&
          call.retryOn === 'all' &&
          error.errorCode !== undefined &&
          retryableErrorCodes.has(error.errorCode);
      }
      if (!retryable || attempt > this.#retry.maxRetries) this.#fail(error);
      const delay = retryDelay(headers, attempt - 1, this.#retry);
      if (Date.now() - started + delay.ms > this.#retry.maxTotalMs) {
        this.#logger?.warn(
          `giving up on ${call.method} ${withoutQuery(call.path)}: waiting would exceed the retry budget`,
          {
            waitMs: delay.ms,
            budgetMs: this.#retry.maxTotalMs,
          },
        );
        this.#fail(error);
      }
      this.#logger?.warn(`${error.message}; retrying in ${(delay.ms / 1000).toFixed(1)} s`, {
        attempt: attempt + 1,
        of: this.#retry.maxRetries + 1,
        wait: delay.source,
      });
      try {
        await sleep(delay.ms, call.signal);
      } catch {
        this.#fail(this.#abortError(call));
      }
    }
  }

  async #attempt(call: Call, attempt: number): Promise<{ answer: Answer } | { error: GitLabError }> {
    if (call.signal?.aborted) return { error: this.#abortError(call) };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutReason), this.#timeoutMs);
    const onAbort = () => controller.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = {
      'private-token': this.#token,
      'user-agent': this.#userAgent,
      accept: 'application/json',
    };
    if (call.body) headers['content-type'] = 'application/json';
    this.#logger?.debug(`${call.method} ${call.path}`, attempt > 1 ? { attempt } : undefined);
    try {
      const response = await this.#pool.request({
        method: call.method,
        path: call.path,
        headers,
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: controller.signal,
      });
      const text = await response.body.text();
      let data: unknown;
      if (text.length > 0) {
        try {
          data = JSON.parse(text);
        } catch {
          if (response.statusCode < 300) {
            return {
              error: new GitLabResponseError(
                `GitLab's answer to ${call.method} ${withoutQuery(call.path)} is not JSON (status ${response.statusCode})`,
                {
                  method: call.method,
                  path: call.path,
                  fields: [],
                  hint: 'Is the URL a GitLab server? A proxy or login page may be answering instead.',
                },
              ),
            };
          }
          data = text;
        }
      }
      return { answer: { status: response.statusCode, headers: response.headers, data } };
    } catch (cause) {
      if (controller.signal.aborted && controller.signal.reason === timeoutReason) {
        return {
          error: new GitLabTimeoutError(
            `GitLab did not answer ${call.method} ${withoutQuery(call.path)} within ${this.#timeoutMs / 1000} s`,
            {
              method: call.method,
              path: call.path,
              timeoutMs: this.#timeoutMs,
              hint: 'GitLab is slow or unreachable; check the network or try again later.',
            },
          ),
        };
      }
      if (call.signal?.aborted) return { error: this.#abortError(call) };
      const errorCode = networkCode(cause);
      const reason = this.#redactor.redact(cause instanceof Error ? cause.message : String(cause));
      return {
        error: new GitLabNetworkError(
          `Cannot reach GitLab at ${this.origin} (${call.method} ${withoutQuery(call.path)}): ${errorCode ? `${errorCode} ` : ''}${reason}`,
          {
            method: call.method,
            path: call.path,
            errorCode,
            attempts: attempt,
            cause: this.#redactor.sanitize(cause),
            hint: 'Check hostname in the config file, the network, and a proxy or custom CA (NODE_EXTRA_CA_CERTS).',
          },
        ),
      };
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    }
  }

  #abortError(call: Call): GitLabAbortError {
    return new GitLabAbortError(`${call.method} ${withoutQuery(call.path)} was aborted`, {
      method: call.method,
      path: call.path,
    });
  }

  #httpError(call: Call, answer: Answer, attempts: number): GitLabHttpError {
    const raw = answer.data;
    let gitlabMessage: string | undefined;
    if (typeof raw === 'string') gitlabMessage = raw;
    else if (raw && typeof raw === 'object') {
      const body = raw as { message?: unknown; error?: unknown; error_description?: unknown };
      const value = body.message ?? body.error_description ?? body.error;
      if (value !== undefined) gitlabMessage = typeof value === 'string' ? value : JSON.stringify(value);
    }
    if (gitlabMessage !== undefined) {
      gitlabMessage = this.#redactor.redact(gitlabMessage.replace(/\s+/g, ' ').trim());
      if (gitlabMessage.length > 300) gitlabMessage = `${gitlabMessage.slice(0, 300)}…`;
    }
    const status = answer.status;
    const text = statusText[status] ? ` ${statusText[status]}` : '';
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    return new GitLabHttpError(
      `GitLab answered ${status}${text} to ${call.method} ${withoutQuery(call.path)}${gitlabMessage ? `: ${gitlabMessage}` : ''}${tries}`,
      { status, method: call.method, path: call.path, gitlabMessage, attempts, hint: hintFor(status) },
    );
  }
}

function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
