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

/** What a check found. */
export interface TokenCheckResult {
  /** Every token read, to redact. */
  tokens: string[];
  /**
   * Resource runner name → the token GitLab refused, so that the runner is deleted only while it still has
   * that token (not after another process renewed it or registered the runner again).
   */
  refusedResourceRunners: Map<string, string>;
}

/**
 * Checks the runner token of each instance, and of each resource runner, with GitLab, cheaply: at the first
 * cycle, when the token changed (renewed by `run` or `configure`, or a resource runner registered again),
 * when a launch of it ended without its jobs being taken, and otherwise at most once per interval. A refused
 * instance token (runner deleted, token revoked or expired) is kept in the state's `refusedTokens` (for
 * `status`), logged once as an error naming the fix, and the instance launches nothing until GitLab accepts
 * its token again. A refused resource runner token is returned, for the resource runner registry to register
 * that runner again (the launcher registered it, so it can); it is logged as a warning, and asked about
 * again at the next check until a new token replaces it.
 */
export class TokenCheck {
  readonly #source: RunnerTokenSource;
  readonly #logger: Logger;
  readonly #last = new Map<string, LastCheck>();
  readonly #due = new Set<string>();
  /** Tokens of resource runners already reported as refused, so that each is logged once. */
  readonly #reported = new Map<string, string>();

  constructor(source: RunnerTokenSource, logger: Logger) {
    this.#source = source;
    this.#logger = logger;
  }

  /** Asks about the instance's token at the next check (a launch of it was not picked up). */
  recheck(instance: string): void {
    this.#due.add(instance);
  }

  /**
   * Checks the tokens of `instances` and `resourceRunners` that are due and records the instances' refusals
   * in `state`. Returns every token read, so that the launcher redacts renewed ones too, and the refused
   * resource runners. A failed request is logged and the runner keeps its last verdict.
   */
  async check(
    state: LaunchState,
    instances: readonly string[],
    now: Date,
    signal: AbortSignal,
    resourceRunners: readonly string[] = [],
  ): Promise<TokenCheckResult> {
    const refusedResourceRunners = new Map<string, string>();
    for (const name of Object.keys(state.refusedTokens))
      if (!instances.includes(name)) delete state.refusedTokens[name];
    let tokens: Record<string, string>;
    try {
      tokens = await this.#source.tokens(signal);
    } catch (error) {
      this.#logger.warn(`cannot read the runner tokens to check them: ${(error as Error).message}`);
      return { tokens: [], refusedResourceRunners };
    }
    const interval = this.#source.intervalMs ?? TOKEN_CHECK_INTERVAL_MS;
    for (const instance of [...instances, ...resourceRunners.filter((n) => !instances.includes(n))]) {
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
      if (instances.includes(instance)) {
        this.#last.set(instance, { token, at: now.getTime() });
        this.#record(state, instance, accepted, now);
      } else if (accepted) {
        this.#last.set(instance, { token, at: now.getTime() });
      } else {
        // Not remembered as checked: asked again next time, until it is registered again.
        this.#refusedResource(instance, token);
        refusedResourceRunners.set(instance, token);
      }
    }
    return { tokens: Object.values(tokens), refusedResourceRunners };
  }

  #refusedResource(name: string, token: string): void {
    if (this.#reported.get(name) === token) return;
    this.#reported.set(name, token);
    this.#logger.warn(
      `GitLab refuses the runner token of resource runner ${name} (the runner was deleted, or its token revoked or expired): it is registered again`,
      { instance: name, code: 'MR_LAUNCH_TOKEN_REFUSED' },
    );
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
