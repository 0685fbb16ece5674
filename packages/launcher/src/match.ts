import { compareForLaunch } from './plan.js';

/** What matching needs to know about a runner instance. */
export interface MatchableInstance {
  name: string;
  tags: readonly string[];
  /** Whether the runner was registered to take jobs without tags (`run_untagged`). */
  runUntagged: boolean;
  /** `launch_priority`; higher wins a tie, instances without one lose it. */
  launchPriority?: number | undefined;
}

/** A pending job as far as matching is concerned. */
export interface MatchableJob {
  id: number;
  tag_list: readonly string[];
  /** The path of the job's project (`group/project`), for messages and per-project counts. */
  project?: string | undefined;
  /** The job's name in the pipeline (for messages). */
  name?: string | null | undefined;
  /** GitLab's `created_at`: when the job was created (for the queue-wait limits). */
  created_at?: string | null | undefined;
}

/**
 * Orders instances for tie-breaking: fewest tags first, then highest `launch_priority` (instances without a
 * priority after those with one), then name in code-unit order. The first instance that can take a job in
 * this order is the one it is matched to.
 */
export function compareForMatching(a: MatchableInstance, b: MatchableInstance): number {
  return new Set(a.tags).size - new Set(b.tags).size || compareForLaunch(a, b);
}

/** Whether an instance's runner can take a job with these tags (GitLab's own rule). */
export function canTake(instance: MatchableInstance, jobTags: readonly string[]): boolean {
  if (jobTags.length === 0) return instance.runUntagged;
  for (const tag of jobTags) if (!instance.tags.includes(tag)) return false;
  return true;
}

/** A matcher built once per config: instances sorted for tie-breaking, results cached per tag set. */
export class JobMatcher {
  readonly instances: readonly MatchableInstance[];
  readonly #cache = new Map<string, MatchableInstance | null>();
  readonly #tagSets: ReadonlyArray<ReadonlySet<string>>;

  constructor(instances: Iterable<MatchableInstance>) {
    this.instances = [...instances].sort(compareForMatching);
    this.#tagSets = this.instances.map((i) => new Set(i.tags));
  }

  /** The instance a job with these tags is launched for, or undefined when none can take it. */
  match(jobTags: readonly string[]): MatchableInstance | undefined {
    const key =
      jobTags.length === 0
        ? ''
        : jobTags.length === 1
          ? `#${jobTags[0]}`
          : `#${[...new Set(jobTags)].sort().join('\u0000')}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found: MatchableInstance | null = null;
    for (let i = 0; i < this.instances.length; i++) {
      const instance = this.instances[i]!;
      const tags = this.#tagSets[i]!;
      const ok = jobTags.length === 0 ? instance.runUntagged : jobTags.every((t) => tags.has(t));
      if (ok) {
        found = instance;
        break;
      }
    }
    this.#cache.set(key, found);
    return found ?? undefined;
  }
}

/** Pending jobs sorted by instance. Job ids are kept in ascending order (oldest first). */
export interface MatchResult {
  /** Instance name → ids of the pending jobs matched to it, ascending. */
  byInstance: Map<string, number[]>;
  /** Jobs no instance can take, ascending by id. */
  unmatched: MatchableJob[];
}

/** Matches every pending job to the instance that takes it (see {@link compareForMatching} for ties). */
export function matchJobs(jobs: Iterable<MatchableJob>, matcher: JobMatcher): MatchResult {
  const byInstance = new Map<string, number[]>();
  for (const instance of matcher.instances) byInstance.set(instance.name, []);
  const unmatched: MatchableJob[] = [];
  for (const job of jobs) {
    const instance = matcher.match(job.tag_list);
    if (instance) byInstance.get(instance.name)!.push(job.id);
    else unmatched.push(job);
  }
  for (const ids of byInstance.values()) ids.sort((a, b) => a - b);
  unmatched.sort((a, b) => a.id - b.id);
  return { byInstance, unmatched };
}
