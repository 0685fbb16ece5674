import { headerValue } from './pagination.js';

/** How often and how long the client retries 429, 502, 503, 504 and connection resets. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /** Give up when the next wait would end later than this after the first attempt began. Default 60,000. */
  maxTotalMs?: number;
  /** First backoff step when GitLab says nothing about when to come back; doubles each retry. Default 500. */
  baseDelayMs?: number;
  /** Longest single backoff step (not a cap on Retry-After). Default 30,000. */
  maxDelayMs?: number;
}

export const defaultRetry: Required<RetryOptions> = {
  maxRetries: 5,
  maxTotalMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** HTTP statuses worth another try: rate limited, or a proxy that could not reach GitLab. */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Connection errors that mean "the connection broke", not "there is nobody there". */
export const retryableErrorCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export interface RetryDelay {
  ms: number;
  source: 'retry-after' | 'ratelimit-reset' | 'backoff';
}

/**
 * How long to wait before retry number `retry` (0 for the first retry): `Retry-After` (seconds or an HTTP
 * date) when present, else `RateLimit-Reset` (GitLab sends a Unix time in seconds; small values are taken as
 * seconds from now), else exponential backoff with jitter (a random point in the upper half of the step).
 */
export function retryDelay(
  headers: Record<string, string | string[] | undefined> | undefined,
  retry: number,
  options: Required<RetryOptions>,
  now: number = Date.now(),
  random: () => number = Math.random,
): RetryDelay {
  const retryAfter = headers ? headerValue(headers, 'retry-after')?.trim() : undefined;
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter))
      return { ms: Math.ceil(Number(retryAfter) * 1000), source: 'retry-after' };
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return { ms: Math.max(0, date - now), source: 'retry-after' };
  }
  const reset = headers ? headerValue(headers, 'ratelimit-reset')?.trim() : undefined;
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // Values above 10^9 are Unix times (2001 onwards); smaller ones are delays (the IETF draft's meaning).
    const ms = value > 1e9 ? value * 1000 - now : value * 1000;
    return { ms: Math.max(0, Math.ceil(ms)), source: 'ratelimit-reset' };
  }
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return { ms: Math.round(step / 2 + random() * (step / 2)), source: 'backoff' };
}
