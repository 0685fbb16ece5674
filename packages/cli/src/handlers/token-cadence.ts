import { TOKEN_CHECK_INTERVAL_MS } from '@mr/launcher';
import type { Config } from '@mr/runner-config';

/**
 * How often `run` checks for runner tokens about to expire: a quarter of `rotate_tokens_within`, at least
 * every poll interval and at most every hour.
 */
export function rotationCheckMs(rotateWithin: number, pollInterval: number): number {
  return Math.min(3_600_000, Math.max(pollInterval, rotateWithin / 4));
}

/**
 * How often `run` reads the tokens' expiry again for its metrics: as often as it checks runner tokens with
 * GitLab (every 10 minutes), or as it looks for tokens to renew when that is sooner.
 */
export function tokenExpiryRefreshMs(config: Pick<Config, 'rotate_tokens_within' | 'poll'>): number {
  return Math.min(
    TOKEN_CHECK_INTERVAL_MS,
    rotationCheckMs(config.rotate_tokens_within, config.poll.interval),
  );
}

/**
 * When `run` reads the tokens' expiry again for its metrics: at the start, then every `everyMs`, and at the
 * next chance after GitLab first refuses the management token (401), so that a token whose expiry changed
 * in GitLab shows its new expiry: GitLab 16.0 removed tokens without expiry and added expiry dates to existing
 * ones (gitlabhq doc/user/profile/personal_access_tokens.md, "Create a personal access token", at commit
 * e8d2c2579383897a1dd7f9debd359abe8ae8373d). A refusal
 * that goes on costs one more read, not one per cycle: the next read after a 401 waits for an answer other
 * than 401 in between. The reads' own answers do not count.
 */
export class TokenExpiryRefresh {
  readonly #everyMs: number;
  #lastRead: number | undefined;
  #refused = false;
  #afterRefusal = false;
  #reading = false;

  constructor(everyMs: number) {
    this.#everyMs = everyMs;
  }

  /** One answer of GitLab to a request with the management token (`undefined`: no answer). */
  answer(status: number | undefined): void {
    if (this.#reading || status === undefined) return;
    if (status === 401) {
      if (!this.#refused) this.#afterRefusal = true;
      this.#refused = true;
    } else if (status < 400) this.#refused = false;
  }

  /** Reads with `read` when a read is due; otherwise does nothing (no request, no file read). */
  async maybeRead(now: number, read: () => Promise<void>): Promise<void> {
    const due = this.#lastRead === undefined || now - this.#lastRead >= this.#everyMs || this.#afterRefusal;
    if (!due) return;
    this.#lastRead = now;
    this.#afterRefusal = false;
    this.#reading = true;
    try {
      await read();
    } finally {
      this.#reading = false;
    }
  }
}
