import type { Logger } from '@mr/logger';
import type { MatchableJob } from './match.js';
import type { Plan } from './plan.js';
import type { LaunchState } from './state.js';

/** Jobs named as examples in a warning about many unmatched or refused jobs. */
export const UNMATCHED_EXAMPLES = 5;
/** Warnings about refused jobs per cycle, one per reason; jobs refused for further reasons share one more. */
export const REFUSED_REASON_LINES = 5;

/** What a warning says about one job, and about several that share the reason. */
interface Phrase {
  one: string;
  many: string;
}

const NO_TAGS_MATCH: Phrase = {
  one: 'pending job matches no runner instance: no instance has all of its tags',
  many: 'pending jobs match no runner instance: no instance has all of their tags',
};
const UNTAGGED: Phrase = {
  one: 'pending job has no tags and no instance has run_untagged = true',
  many: 'pending jobs have no tags and no instance has run_untagged = true',
};
const refusedFor = (reason: string): Phrase => ({
  one: `pending job is refused, never launched: ${reason}`,
  many: `pending jobs are refused, never launched: ${reason}`,
});

/**
 * Warns about the pending jobs no instance can take, each job once: the ids already reported are kept in
 * the state, so a job waiting for many cycles (or across restarts) is reported in the first one only. The
 * jobs new in a cycle are summarised, one warning per reason with a few of them as examples, so that
 * thousands of such jobs cost a handful of lines; a reason that only one job has is told as before, naming
 * the job and its tags.
 */
export function reportUnmatched(
  state: LaunchState,
  unmatched: readonly MatchableJob[],
  logger: Logger,
  /** Job id → why its resource tags keep it from every instance. */
  reasons?: ReadonlyMap<number, string>,
): void {
  const reported = new Set(state.reportedUnmatched);
  const noMatch: MatchableJob[] = [];
  const untagged: MatchableJob[] = [];
  const refused = new Map<string, MatchableJob[]>();
  for (const job of unmatched) {
    if (reported.has(job.id)) continue;
    const reason = reasons?.get(job.id);
    if (reason !== undefined) {
      const list = refused.get(reason);
      if (list) list.push(job);
      else refused.set(reason, [job]);
    } else (job.tag_list.length > 0 ? noMatch : untagged).push(job);
  }
  state.reportedUnmatched = unmatched.map((job) => job.id);

  if (noMatch.length > 0) warnAbout(logger, noMatch, NO_TAGS_MATCH);
  if (untagged.length > 0) warnAbout(logger, untagged, UNTAGGED);
  const byCount = [...refused].sort((a, b) => b[1].length - a[1].length);
  for (const [reason, jobs] of byCount.slice(0, REFUSED_REASON_LINES))
    warnAbout(logger, jobs, refusedFor(reason));
  const rest = byCount.slice(REFUSED_REASON_LINES);
  if (rest.length > 0) {
    const jobs = rest.flatMap(([, list]) => list);
    logger.warn(
      `${jobs.length} more pending jobs are refused, never launched, for ${rest.length} other reasons (\`gitlab-meta-runner status\` lists refused jobs)`,
      examples(jobs, (job) => reasons?.get(job.id)),
    );
  }
}

/** One warning about jobs that share a reason: the job itself when it is alone, else a count and examples. */
function warnAbout(logger: Logger, jobs: readonly MatchableJob[], phrase: Phrase): void {
  if (jobs.length === 1) {
    const [job] = jobs as [MatchableJob];
    logger.warn(phrase.one, {
      job: job.id,
      ...(job.project ? { project: job.project } : {}),
      ...(job.name ? { name: job.name } : {}),
      tags: tagText(job),
    });
  } else logger.warn(`${jobs.length} ${phrase.many}`, examples(jobs));
}

function examples(
  jobs: readonly MatchableJob[],
  reasonOf?: (job: MatchableJob) => string | undefined,
): Record<string, unknown> {
  const shown = jobs.slice(0, UNMATCHED_EXAMPLES).map((job) => {
    const reason = reasonOf?.(job);
    const where = job.project ? ` in ${job.project}` : '';
    return `${job.id}${job.name ? ` ${job.name}` : ''}${where} (tags ${tagText(job)}${reason ? `: ${reason}` : ''})`;
  });
  return {
    jobs: jobs.length,
    examples: shown.join('; '),
    ...(jobs.length > shown.length ? { more: jobs.length - shown.length } : {}),
  };
}

const tagText = (job: MatchableJob) => (job.tag_list.length > 0 ? job.tag_list.join(',') : '(none)');

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
