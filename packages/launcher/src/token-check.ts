import type { Logger } from '@mr/logger';
import type { LaunchState } from './state.js';

/** Where the launcher gets the runner tokens and how it asks GitLab about them. */
export interface RunnerTokenSource {
  /** The runner token of each registered instance, read afresh (`configure` may have renewed one). */
  tokens(signal: AbortSignal): Promise<Record<string, string>>;
  /** `POST /runners/verify`: true when GitLab accepts the token, false when it refuses it (403). */
  verify(token: string, signal: AbortSignal): Promise<boolean>;
  /** A token GitLab accepted is asked about again after this long (ms). Default 10 minutes. */
  intervalMs?: number | undefined;
}

/** How often an accepted runner token is checked again by default: 10 minutes. */
export const TOKEN_CHECK_INTERVAL_MS = 10 * 60_000;

interface LastCheck {
  token: string;
  at: number;
}

/**
 * Checks the runner token of each instance with GitLab, cheaply: at the first cycle, when the token changed
 * (renewed by `run` or `configure`), when a launch of the instance ended without its jobs being taken, and
 * otherwise at most once per interval. A refused token (runner deleted, token revoked or expired) is kept in
 * the state's `refusedTokens` (for `status`), logged once as an error naming the fix, and the instance
 * launches nothing until GitLab accepts its token again.
 */
export class TokenCheck {
  readonly #source: RunnerTokenSource;
  readonly #logger: Logger;
  readonly #last = new Map<string, LastCheck>();
  readonly #due = new Set<string>();

  constructor(source: RunnerTokenSource, logger: Logger) {
    this.#source = source;
    this.#logger = logger;
  }

  /** Asks about the instance's token at the next check (a launch of it was not picked up). */
  recheck(instance: string): void {
    this.#due.add(instance);
  }

  /**
   * Checks the tokens that are due and records refusals in `state`. Returns every token read, so that the
   * launcher redacts renewed ones too. A failed request is logged and the instance keeps its last verdict.
   */
  async check(
    state: LaunchState,
    instances: readonly string[],
    now: Date,
    signal: AbortSignal,
  ): Promise<string[]> {
    for (const name of Object.keys(state.refusedTokens))
      if (!instances.includes(name)) delete state.refusedTokens[name];
    let tokens: Record<string, string>;
    try {
      tokens = await this.#source.tokens(signal);
    } catch (error) {
      this.#logger.warn(`cannot read the runner tokens to check them: ${(error as Error).message}`);
      return [];
    }
    const interval = this.#source.intervalMs ?? TOKEN_CHECK_INTERVAL_MS;
    for (const instance of instances) {
      const token = tokens[instance];
      if (token === undefined || signal.aborted) continue;
      const last = this.#last.get(instance);
      const due =
        !last || last.token !== token || now.getTime() - last.at >= interval || this.#due.has(instance);
      if (!due) continue;
      let accepted: boolean;
      try {
        accepted = await this.#source.verify(token, signal);
      } catch (error) {
        if (!signal.aborted)
          this.#logger.warn(`cannot check the runner token of ${instance}: ${(error as Error).message}`, {
            instance,
          });
        continue;
      }
      this.#due.delete(instance);
      this.#last.set(instance, { token, at: now.getTime() });
      this.#record(state, instance, accepted, now);
    }
    return Object.values(tokens);
  }

  #record(state: LaunchState, instance: string, accepted: boolean, now: Date): void {
    const known = state.refusedTokens[instance];
    if (accepted) {
      if (known) {
        delete state.refusedTokens[instance];
        this.#logger.info('GitLab accepts the runner token again; launches resume', { instance });
      }
      return;
    }
    if (known) {
      known.checkedAt = now.toISOString();
      return;
    }
    state.refusedTokens[instance] = { since: now.toISOString(), checkedAt: now.toISOString() };
    this.#logger.error(
      `GitLab refuses the runner token of instance ${instance} (the runner was deleted, or its token revoked or expired): nothing is launched for it until \`gitlab-meta-runner configure\` registers it again or renews its token`,
      { instance, code: 'MR_LAUNCH_TOKEN_REFUSED' },
    );
  }
}
