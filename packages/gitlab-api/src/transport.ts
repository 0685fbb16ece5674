import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as wait } from 'node:timers/promises';
import { type Dispatcher, EnvHttpProxyAgent, Pool } from 'undici';
import type { z } from 'zod';
import { checkAnswer } from './answer-check.js';
import { apiBase } from './base-url.js';
import { type Answer, type Call, withoutQuery } from './call.js';
import {
  GitLabAbortError,
  GitLabError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabResponseTooLargeError,
  GitLabTimeoutError,
} from './errors.js';
import { httpError } from './http-error.js';
import { type ProxyRoute, proxyRoute, proxySecrets, proxySettings, redactProxyUrl } from './proxy.js';
import { Redactor } from '@mr/node-kit/redact';
import { type RateLimitState, rateLimitFromHeaders } from './rate-limit.js';
import {
  defaultRetry,
  type RetryOptions,
  retryableErrorCodes,
  retryableStatuses,
  retryDelay,
} from './retry.js';

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
  /**
   * Largest answer body read, in bytes (default {@link DEFAULT_MAX_RESPONSE_BYTES}, 32 MiB): a longer one
   * fails with `MR_GITLAB_RESPONSE_TOO_LARGE` once that much has arrived, so a broken or hostile server
   * cannot make the client hold gigabytes.
   */
  maxResponseBytes?: number;
  /** Told of every attempt's outcome: its HTTP status, or undefined when no answer came (metrics). */
  onResponse?: (method: string, status: number | undefined) => void;
  /**
   * Where `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (and their lower-case forms) are read; default
   * `process.env`. With a proxy for GitLab's URL, requests go through undici's `EnvHttpProxyAgent`: a
   * `CONNECT` tunnel for `https://`, absolute-form requests for `http://`.
   */
  env?: Record<string, string | undefined>;
}

const timeoutReason = Symbol('timeout');

/** The default cap on one answer's body: 32 MiB (a page of 100 jobs is well under 1 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * The HTTP side of the client: one keep-alive connection pool per GitLab, `PRIVATE-TOKEN` authentication,
 * per-request timeouts, bounded retries, zod-checked answers, and errors that never contain a token.
 */
export class Transport {
  readonly origin: string;
  readonly apiPath: string;
  /** How requests reach GitLab: directly, or through which proxy (its URL redacted in `proxy.url`). */
  readonly route: ProxyRoute;
  readonly #token: string;
  readonly #pool: Dispatcher;
  readonly #timeoutMs: number;
  readonly #retry: Required<RetryOptions>;
  readonly #userAgent: string;
  readonly #logger: GitLabLogger | undefined;
  readonly #redactor: Redactor;
  readonly #onResponse: GitLabClientOptions['onResponse'];
  #rateLimit: RateLimitState | undefined;
  readonly #maxBytes: number;

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
    this.#onResponse = options.onResponse;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const pool = {
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
    };
    const proxies = proxySettings(options.env ?? process.env);
    const route = proxyRoute(new URL(base.origin), proxies);
    if (route.via === 'proxy') {
      checkProxyUrl(route.proxy.url, route.proxy.variable);
      for (const secret of proxySecrets(route.proxy.url)) this.#redactor.add(secret);
      this.route = { via: 'proxy', proxy: { ...route.proxy, url: redactProxyUrl(route.proxy.url) } };
      // Every value given, so that undici reads nothing from process.env itself; one pool per origin inside.
      this.#pool = new EnvHttpProxyAgent({
        ...pool,
        httpProxy: proxies?.http?.url ?? '',
        httpsProxy: proxies?.https?.url ?? '',
        noProxy: proxies?.noProxy ?? '',
        // undici 7 tunnels plain http too unless told; absolute-form requests are what curl and Go send.
        proxyTunnel: false,
      });
    } else {
      this.route = route;
      this.#pool = new Pool(base.origin, pool);
    }
  }

  /** The path of an API endpoint below the origin: `/api/v4` (after any prefix) + `path`. */
  api(path: string): string {
    return `${this.apiPath}${path}`;
  }

  /** The RateLimit-* headers of the latest answer that had them. */
  get rateLimit(): RateLimitState | undefined {
    return this.#rateLimit;
  }

  /** A token that must never appear in an error from now on (runner tokens GitLab hands out or checks). */
  addSecret(token: string): void {
    this.#redactor.add(token);
  }

  /** `text` with every token the transport knows replaced (for messages quoted from GitLab). */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  /** GitLab's answer checked against `schema`; see {@link checkAnswer}. */
  parse<T extends z.ZodType>(schema: T, call: Call, answer: Answer): z.output<T> {
    try {
      return checkAnswer(schema, call, answer, this.#redactor);
    } catch (error) {
      return this.#fail(error as GitLabError);
    }
  }

  /** Closes the connections; requests still in flight fail. */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  #fail(error: GitLabError): never {
    this.#logger?.debug(error.message, { code: error.code });
    throw error;
  }

  /** Sends `call`, retrying what `call.retryOn` allows within the retry budget; throws a GitLabError. */
  async request(call: Call): Promise<Answer> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let error: GitLabError;
      let headers: IncomingHttpHeaders | undefined;
      let retryable: boolean;
      const outcome = await this.#attempt(call, attempt);
      if (!('error' in outcome && outcome.error instanceof GitLabAbortError))
        this.#onResponse?.(call.method, 'answer' in outcome ? outcome.answer.status : undefined);
      if ('answer' in outcome) {
        const { answer } = outcome;
        this.#rateLimit = rateLimitFromHeaders(answer.headers) ?? this.#rateLimit;
        if (answer.status < 300) return answer;
        headers = answer.headers;
        error = httpError(call, answer, attempt, this.#redactor);
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
          { waitMs: delay.ms, budgetMs: this.#retry.maxTotalMs },
        );
        this.#fail(error);
      }
      this.#logger?.warn(`${error.message}; retrying in ${(delay.ms / 1000).toFixed(1)} s`, {
        attempt: attempt + 1,
        of: this.#retry.maxRetries + 1,
        wait: delay.source,
      });
      try {
        await wait(delay.ms, undefined, { signal: call.signal });
      } catch {
        this.#fail(this.#abortError(call));
      }
    }
  }

  /**
   * One GET of `path` below the API without the token and without retries (any answer shows GitLab is
   * reachable): its status, or the GitLabError when no answer came.
   */
  async probe(path: string, signal?: AbortSignal): Promise<number> {
    const call: Call = {
      method: 'GET',
      path: this.api(path),
      retryOn: 'rate-limit',
      signal,
      anonymous: true,
    };
    const outcome = await this.#attempt(call, 1);
    if ('error' in outcome) throw outcome.error;
    return outcome.answer.status;
  }

  async #attempt(call: Call, attempt: number): Promise<{ answer: Answer } | { error: GitLabError }> {
    if (call.signal?.aborted) return { error: this.#abortError(call) };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutReason), this.#timeoutMs);
    const onAbort = () => controller.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = {
      'user-agent': this.#userAgent,
      accept: 'application/json',
    };
    if (!call.anonymous) headers['private-token'] = this.#token;
    if (call.body) headers['content-type'] = 'application/json';
    this.#logger?.debug(`${call.method} ${call.path}`, attempt > 1 ? { attempt } : undefined);
    try {
      const response = await this.#pool.request({
        origin: this.origin,
        method: call.method,
        path: call.path,
        headers,
        body: call.body ? JSON.stringify(call.body) : undefined,
        signal: controller.signal,
      });
      const text = await this.#readBody(call, response);
      if (typeof text !== 'string') return { error: text };
      let data: unknown;
      if (text.length > 0) {
        try {
          data = JSON.parse(text);
        } catch {
          if (response.statusCode < 300) return { error: notJson(call, response.statusCode) };
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
          `Cannot reach GitLab at ${this.origin}${this.#through()} (${call.method} ${withoutQuery(call.path)}): ${errorCode ? `${errorCode} ` : ''}${reason}`,
          {
            method: call.method,
            path: call.path,
            errorCode,
            attempts: attempt,
            cause: this.#redactor.sanitize(cause),
            hint:
              this.route.via === 'proxy' && /\b407\b/.test(reason)
                ? `The proxy asks for credentials: give them in ${this.route.proxy.variable} as http://user:password@host:port.`
                : this.route.via === 'proxy'
                  ? `Check the proxy in ${this.route.proxy.variable} (gitlab-meta-runner doctor tests it), or list GitLab's host in NO_PROXY when it is reachable without it.`
                  : 'Check hostname in the config file, the network, and a proxy (HTTPS_PROXY, HTTP_PROXY) or custom CA (NODE_EXTRA_CA_CERTS).',
          },
        ),
      };
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The body as text, or the error when it is longer than the cap (the rest is not read). */
  async #readBody(
    call: Call,
    response: { headers: IncomingHttpHeaders; body: AsyncIterable<Buffer> & { destroy(): unknown } },
  ): Promise<string | GitLabResponseTooLargeError> {
    const tooLarge = () => {
      response.body.destroy();
      const mib = (this.#maxBytes / 1024 / 1024).toFixed(this.#maxBytes % (1024 * 1024) === 0 ? 0 : 2);
      return new GitLabResponseTooLargeError(
        `GitLab's answer to ${call.method} ${withoutQuery(call.path)} is larger than ${mib} MiB; reading stopped there`,
        {
          method: call.method,
          path: call.path,
          limitBytes: this.#maxBytes,
          hint: 'A proxy or a broken server may be answering. GitLab pages are far smaller; the cap is the client option maxResponseBytes.',
        },
      );
    };
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.#maxBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > this.#maxBytes) return tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** ` through the proxy http://***@proxy:3128 (HTTPS_PROXY)`, or nothing without a proxy. */
  #through(): string {
    return this.route.via === 'proxy'
      ? ` through the proxy ${this.route.proxy.url} (${this.route.proxy.variable})`
      : '';
  }

  #abortError(call: Call): GitLabAbortError {
    return new GitLabAbortError(`${call.method} ${withoutQuery(call.path)} was aborted`, {
      method: call.method,
      path: call.path,
    });
  }
}

/** Throws `MR_GITLAB_PROXY` (the URL redacted) unless `url` is an http:// or https:// proxy URL. */
function checkProxyUrl(url: string, variable: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname) return;
  throw new GitLabError(
    'MR_GITLAB_PROXY',
    `${variable} is not a proxy URL: ${JSON.stringify(redactProxyUrl(url))} (expected e.g. "http://proxy.example.com:3128")`,
    {
      hint: `fix or unset ${variable}; gitlab-meta-runner reaches GitLab through http:// and https:// proxies`,
    },
  );
}

function notJson(call: Call, status: number): GitLabResponseError {
  return new GitLabResponseError(
    `GitLab's answer to ${call.method} ${withoutQuery(call.path)} is not JSON (status ${status})`,
    {
      method: call.method,
      path: call.path,
      fields: [],
      hint: 'Is the URL a GitLab server? A proxy or login page may be answering instead.',
    },
  );
}

function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
