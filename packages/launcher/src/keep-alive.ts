import type { Logger } from '@mr/logger';
import type { RunnerTokenSource } from './token-check.js';

/** How often a runner whose jobs wait behind queued launches contacts GitLab by default: 30 minutes. */
export const KEEP_ALIVE_INTERVAL_MS = 30 * 60_000;

/**
 * Keeps the runner of an instance "online" in GitLab while its matched jobs wait behind launches still
 * queued in the batch system, so that GitLab does not drop those jobs as stuck after an hour. GitLab counts
 * a runner online when it was contacted within 2 hours (ONLINE_CONTACT_TIMEOUT, app/models/ci/runner.rb).
 *
 * The call is `POST /runners/verify` with the instance's runner token (in the request body, never in argv
 * or logs): it runs `authenticate_runner!`, which calls `current_runner.heartbeat` and so sets
 * `contacted_at` (lib/api/ci/runner.rb at gitlabhq commit 027f19b39c, lib/api/ci/helpers/runner.rb at 00d1f41541), and it
 * never hands out a job. `POST /jobs/request` updates `contacted_at` too, but it gives the runner a pending
 * job whenever one matches: exactly the jobs that wait here. Some GitLab releases skipped the heartbeat of
 * `/runners/verify` for `glrt-` tokens (the `registering_created_runner` rule of the same file): there the
 * call keeps nothing alive and only the warnings of {@link reportNearLimits} remain (docs/webhook.md).
 */
export class KeepAlive {
  readonly #source: RunnerTokenSource;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();

  constructor(source: RunnerTokenSource, logger: Logger, intervalMs = KEEP_ALIVE_INTERVAL_MS) {
    this.#source = source;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /**
   * Contacts GitLab for each waiting instance (instance → waiting jobs) whose last contact is due. Resolves
   * to the instances whose token GitLab refused (for the token check to look at).
   */
  async run(waiting: ReadonlyMap<string, number>, now: Date, signal: AbortSignal): Promise<string[]> {
    const refused: string[] = [];
    for (const name of this.#last.keys()) if (!waiting.has(name)) this.#last.delete(name);
    const due = [...waiting.keys()].filter((name) => {
      const last = this.#last.get(name);
      return last === undefined || now.getTime() - last >= this.#intervalMs;
    });
    if (due.length === 0) return refused;
    let tokens: Record<string, string>;
    try {
      tokens = await this.#source.tokens(signal);
    } catch (error) {
      this.#logger.warn(`cannot read the runner tokens for the keep-alive: ${(error as Error).message}`);
      return refused;
    }
    for (const name of due) {
      const token = tokens[name];
      if (token === undefined || signal.aborted) continue;
      try {
        if (!(await this.#source.verify(token, signal))) {
          refused.push(name);
          continue;
        }
        this.#last.set(name, now.getTime());
        this.#logger.info('keep-alive: the runner contacted GitLab so that it counts as online', {
          instance: name,
          waiting_jobs: waiting.get(name),
        });
      } catch (error) {
        if (!signal.aborted)
          this.#logger.warn(`keep-alive of the runner of ${name} failed: ${(error as Error).message}`, {
            instance: name,
          });
      }
    }
    return refused;
  }
}
