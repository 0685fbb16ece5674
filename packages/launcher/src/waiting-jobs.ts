import type { Logger } from '@mr/logger';
import type { MatchableJob } from './match.js';
import type { Plan } from './plan.js';
import type { LaunchState } from './state.js';

/**
 * Warns about each pending job no instance can take, once: the ids already reported are kept in the state,
 * so a job waiting for many cycles is reported in the first one only.
 */
export function reportUnmatched(
  state: LaunchState,
  unmatched: readonly MatchableJob[],
  logger: Logger,
  /** Job id → why its resource tags keep it from every instance. */
  reasons?: ReadonlyMap<number, string>,
): void {
  const reported = new Set(state.reportedUnmatched);
  const current: number[] = [];
  for (const job of unmatched) {
    current.push(job.id);
    if (reported.has(job.id)) continue;
    const tags = job.tag_list.length > 0 ? job.tag_list.join(',') : '(none)';
    const reason = reasons?.get(job.id);
    if (reason) {
      logger.warn(`pending job is refused, never launched: ${reason}`, { job: job.id, tags });
      continue;
    }
    logger.warn(
      job.tag_list.length > 0
        ? 'pending job matches no runner instance: no instance has all of its tags'
        : 'pending job has no tags and no instance has run_untagged = true',
      { job: job.id, tags },
    );
  }
  state.reportedUnmatched = current;
}

/** Tells, at verbose level, why matched jobs of an instance get no launch this cycle. */
export function reportWaiting(state: LaunchState, plan: Plan, logger: Logger): void {
  for (const p of plan.instances)
    if (p.limitedBy && p.uncovered > 0)
      logger.verbose(`${p.uncovered} job(s) wait: ${limitText(p.limitedBy, state, p.instance)}`, {
        instance: p.instance,
      });
}

function limitText(limit: string, state: LaunchState, instance: string): string {
  if (limit === 'backoff')
    return `backoff after failed launches until ${state.backoff[instance]?.until ?? '?'}`;
  if (limit === 'token-refused')
    return 'GitLab refuses the runner token (run `gitlab-meta-runner configure`)';
  if (limit === 'instance-limit') return 'max_in_flight of the instance reached';
  if (limit === 'cycle-limit') return '[launch] max_launches_per_cycle reached; the next cycle launches more';
  return '[launch] max_in_flight reached';
}
