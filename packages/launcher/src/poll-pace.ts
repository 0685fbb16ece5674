/** How `run` spaces its polls (`[poll]`). */
export interface PaceSettings {
  /** `[poll] interval`: the wait while nothing happens (and the fixed wait without `adaptive`). */
  intervalMs: number;
  /** `[poll] adaptive`. */
  adaptive: boolean;
  /** `[poll] fast_interval`: the shortest wait; lowered to `intervalMs` when above it. */
  fastMs: number;
}

/** The RateLimit-* headers GitLab sent last (see @mr/gitlab-api). */
export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  resetAt: Date | undefined;
  seenAt: Date;
}

/** What one cycle saw, as far as pacing cares. */
export interface PaceInput {
  /** Launches made by the cycle. */
  launched: number;
  /** Launches the cycle planned but left for the next one (`[launch] max_launches_per_cycle`). */
  deferred?: number;
  /** Matched jobs the previous cycle had not seen. */
  newMatched: number;
  /** Pending jobs matched to an instance. */
  matchedPending: number;
  /**
   * How long ago the youngest launch still in flight (its command still starting, or its batch job queued or
   * running) was launched, ms; undefined when none is in flight.
   */
  inFlightForMs?: number | undefined;
  /** The cycle failed (GitLab or a batch system did not answer). */
  failed?: boolean;
  rateLimit?: RateLimitSnapshot | undefined;
  now: Date;
}

export type PaceReason =
  | 'fixed'
  | 'more-to-launch'
  | 'launched'
  | 'new-jobs'
  | 'in-flight'
  | 'waiting'
  | 'idle'
  | 'failed'
  | 'rate-limit';

export interface PaceDecision {
  delayMs: number;
  reason: PaceReason;
}

/** Below this share of `RateLimit-Limit` left (and at most this many requests), polls slow down. */
export const RATE_LIMIT_LOW_SHARE = 0.1;
/**
 * While launches are in flight, the wait is this share of the youngest one's age: a runner that ends lets the
 * next stage of its pipeline become pending, and that stage then waits at most this share of how long the
 * runner's launch took (plus one cycle), between `fastMs` and `intervalMs`.
 */
export const IN_FLIGHT_SHARE = 0.1;
/** Headers older than this say nothing about the current window (GitLab's windows are one minute). */
const RATE_LIMIT_FRESH_MS = 120_000;
/** The longest wait for a quota reset; beyond it the next poll comes anyway (GitLab answers 429 then). */
const RATE_LIMIT_MAX_WAIT_MS = 300_000;

/** Whether GitLab's last RateLimit-* headers say that few requests are left in the current window. */
export function rateLimitLow(rate: RateLimitSnapshot | undefined, now: Date): boolean {
  if (!rate || rate.limit <= 0) return false;
  if (now.getTime() - rate.seenAt.getTime() > RATE_LIMIT_FRESH_MS) return false;
  return rate.remaining <= Math.floor(rate.limit * RATE_LIMIT_LOW_SHARE);
}

/**
 * Decides the wait before the next poll. Adaptive: `fastMs` right after launches or new matched jobs; while
 * launches are in flight a tenth of the youngest one's age ({@link IN_FLIGHT_SHARE}), between `fastMs` and
 * `intervalMs`; else, while matched jobs stay pending, the wait doubles up to `intervalMs`; `intervalMs`
 * when nothing is pending or in flight.
 * When GitLab's RateLimit-Remaining runs low, at least `intervalMs` and up to the quota's reset. Without
 * `adaptive`: always `intervalMs`, as the original launcher. Either way, `fastMs` when the cycle left planned
 * launches for the next one (the original would have made them all in that cycle).
 */
export class PollPacer {
  readonly settings: PaceSettings;
  #previousMs: number;

  constructor(settings: PaceSettings) {
    this.settings = settings;
    this.#previousMs = settings.intervalMs;
  }

  get fastMs(): number {
    return Math.min(this.settings.fastMs, this.settings.intervalMs);
  }

  next(input: PaceInput): PaceDecision {
    const { intervalMs, adaptive } = this.settings;
    let decision: PaceDecision;
    if ((input.deferred ?? 0) > 0) decision = { delayMs: this.fastMs, reason: 'more-to-launch' };
    else if (!adaptive) decision = { delayMs: intervalMs, reason: 'fixed' };
    else if (input.failed) decision = { delayMs: Math.max(this.fastMs, this.#previousMs), reason: 'failed' };
    else if (input.launched > 0) decision = { delayMs: this.fastMs, reason: 'launched' };
    else if (input.newMatched > 0) decision = { delayMs: this.fastMs, reason: 'new-jobs' };
    else if (input.inFlightForMs !== undefined)
      decision = {
        delayMs: Math.min(
          intervalMs,
          Math.max(this.fastMs, Math.round(input.inFlightForMs * IN_FLIGHT_SHARE)),
        ),
        reason: 'in-flight',
      };
    else if (input.matchedPending > 0)
      decision = { delayMs: Math.min(intervalMs, this.#previousMs * 2), reason: 'waiting' };
    else decision = { delayMs: intervalMs, reason: 'idle' };
    if (rateLimitLow(input.rateLimit, input.now)) {
      const untilReset = input.rateLimit?.resetAt
        ? Math.min(RATE_LIMIT_MAX_WAIT_MS, input.rateLimit.resetAt.getTime() - input.now.getTime())
        : 0;
      decision = { delayMs: Math.max(intervalMs, decision.delayMs, untilReset), reason: 'rate-limit' };
    }
    this.#previousMs = decision.delayMs;
    return decision;
  }
}
