/** The simulator's API rate limit; see {@link RateLimitWindow}. */
export interface RateLimitOptions {
  /** Requests per window. Default 2,000 (GitLab.com's authenticated API limit per minute). */
  limit?: number;
  /** Default 60,000 ms. */
  windowMs?: number;
  /** Answer 429 with Retry-After once the window's quota is used up. Default false: headers only. */
  enforce?: boolean;
}

/**
 * Counts API requests (access-token endpoints) per fixed window and makes the RateLimit-* headers GitLab
 * sends: RateLimit-Limit, -Observed, -Remaining, -Reset (Unix time), -ResetTime (RFC 2616 date) (GitLab
 * docs, doc/administration/settings/user_and_ip_rate_limits.md, "Response headers").
 */
export class RateLimitWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly enforce: boolean;
  #start = 0;
  #observed = 0;

  constructor(options: RateLimitOptions = {}) {
    this.limit = options.limit ?? 2000;
    this.windowMs = options.windowMs ?? 60_000;
    this.enforce = options.enforce ?? false;
  }

  /** Counts one request; returns its headers and whether it is over the limit. */
  count(now = Date.now()): { headers: Record<string, string>; over: boolean } {
    if (now - this.#start >= this.windowMs) {
      this.#start = now - (now % this.windowMs);
      this.#observed = 0;
    }
    this.#observed++;
    const reset = new Date(this.#start + this.windowMs);
    const remaining = Math.max(0, this.limit - this.#observed);
    const over = this.#observed > this.limit;
    const headers: Record<string, string> = {
      'ratelimit-limit': String(this.limit),
      'ratelimit-observed': String(this.#observed),
      'ratelimit-remaining': String(remaining),
      'ratelimit-reset': String(Math.ceil(reset.getTime() / 1000)),
      'ratelimit-resettime': reset.toUTCString(),
    };
    if (over && this.enforce) headers['retry-after'] = String(Math.ceil((reset.getTime() - now) / 1000));
    return { headers, over: over && this.enforce };
  }
}
