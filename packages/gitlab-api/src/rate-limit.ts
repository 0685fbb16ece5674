import type { IncomingHttpHeaders } from 'node:http';

/**
 * What GitLab last said about the request quota of this client. GitLab sends `RateLimit-Limit` (requests per
 * minute), `RateLimit-Observed`, `RateLimit-Remaining` and `RateLimit-Reset` (Unix time when the quota
 * resets) with throttled answers, and GitLab.com with every API answer (GitLab docs,
 * doc/administration/settings/user_and_ip_rate_limits.md, "Response headers"; GitLab.com:
 * doc/user/gitlab_com/index.md, "HAProxy API throttle"). Many self-managed instances send none.
 */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the quota resets; undefined when GitLab did not say. */
  resetAt: Date | undefined;
  /** When the answer carrying these headers arrived. */
  seenAt: Date;
}

function headerNumber(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text);
}

/** The RateLimit-* headers of an answer, or undefined without `RateLimit-Limit` and `RateLimit-Remaining`. */
export function rateLimitFromHeaders(
  headers: IncomingHttpHeaders,
  now = new Date(),
): RateLimitState | undefined {
  const limit = headerNumber(headers, 'ratelimit-limit');
  const remaining = headerNumber(headers, 'ratelimit-remaining');
  if (limit === undefined || remaining === undefined) return undefined;
  const reset = headerNumber(headers, 'ratelimit-reset');
  return { limit, remaining, resetAt: reset === undefined ? undefined : new Date(reset * 1000), seenAt: now };
}
