import { type Resources, resourceRunnerName, resourceTags, resourceValueProblem } from '@mr/runner-config';
import type { JobMatcher, MatchableInstance, MatchableJob, MatchResult } from './match.js';

/** An instance that may declare resources jobs ask for with `key=value` tags. */
export interface ResourceInstance extends MatchableInstance {
  resources?: Resources | undefined;
}

/** One set of resource tags of an instance, and the runner registered for it. */
export interface ResourceSet {
  /** The resource runner's name (`flex.cpus-8.gpus-2`). */
  name: string;
  instance: string;
  /** The resource tags the jobs named (key → value); other resources take the defaults. */
  resources: Record<string, string>;
  /** The runner's tags: the instance's tags, then the resource tags. */
  tags: string[];
}

/** A pending job that asks for resources no instance gives, and why. */
export interface RefusedJob {
  job: number;
  tags: string[];
  reason: string;
}

export interface ResourceMatchResult extends MatchResult {
  /** Resource runner name → its set, for every set some pending job asks for. */
  sets: Map<string, ResourceSet>;
  /** Jobs refused because of their resource tags (also in `unmatched`). */
  refused: RefusedJob[];
}

const RESOURCE_TAG = /^([a-z][a-z0-9_]*)=(.*)$/s;

/**
 * Whether `instance` takes a job with these tags through its resources: every tag is one of the instance's
 * tags or a `key=value` tag of a declared resource whose value is allowed. Returns the resource tags, a
 * reason (some tag asks for a resource the instance cannot give), or undefined (a tag is foreign to it).
 */
export function resourceFit(
  instance: ResourceInstance,
  tags: readonly string[],
): { resources: Record<string, string> } | { reason: string } | undefined {
  const declared = instance.resources ?? {};
  const resources: Record<string, string> = {};
  const problems: string[] = [];
  for (const tag of tags) {
    if (instance.tags.includes(tag)) continue;
    const m = RESOURCE_TAG.exec(tag);
    if (!m) return undefined;
    const [, key, value] = m as unknown as [string, string, string];
    const spec = Object.hasOwn(declared, key) ? declared[key] : undefined;
    if (!spec) {
      problems.push(`${key} is not a resource of instance ${instance.name}`);
      continue;
    }
    if (Object.hasOwn(resources, key) && resources[key] !== value) {
      problems.push(`${key} is asked for twice (${resources[key]}, ${value})`);
      continue;
    }
    const problem = resourceValueProblem(key, spec, value);
    if (problem) problems.push(`${key}: ${problem}`);
    else resources[key] = value;
  }
  if (problems.length > 0) return { reason: `instance ${instance.name}: ${problems.join('; ')}` };
  return { resources };
}

/**
 * Matches pending jobs as {@link matchJobs} does, and also through resources: a job whose tags the plain
 * rule matches to no instance goes to the first instance (in matching order) whose tags and declared
 * resources cover every tag; it is then matched to that set's resource runner (`byInstance` is keyed by
 * runner name). A job that only some instance's resource limits or undeclared keys keep out is refused with
 * the reason.
 */
export function matchWithResources(
  jobs: Iterable<MatchableJob>,
  matcher: JobMatcher,
  instances: ReadonlyMap<string, ResourceInstance>,
): ResourceMatchResult {
  const byInstance = new Map<string, number[]>();
  for (const instance of matcher.instances) byInstance.set(instance.name, []);
  const sets = new Map<string, ResourceSet>();
  const unmatched: MatchableJob[] = [];
  const refused: RefusedJob[] = [];
  const withResources = matcher.instances
    .map((i) => instances.get(i.name))
    .filter((i): i is ResourceInstance => i?.resources !== undefined && Object.keys(i.resources).length > 0);
  for (const job of jobs) {
    const plain = matcher.match(job.tag_list);
    if (plain) {
      byInstance.get(plain.name)!.push(job.id);
      continue;
    }
    let reason: string | undefined;
    let set: ResourceSet | undefined;
    for (const instance of withResources) {
      const fit = job.tag_list.length === 0 ? undefined : resourceFit(instance, job.tag_list);
      if (!fit) continue;
      if ('reason' in fit) {
        reason ??= fit.reason;
        continue;
      }
      const name = resourceRunnerName(instance.name, fit.resources);
      set = sets.get(name) ?? {
        name,
        instance: instance.name,
        resources: fit.resources,
        tags: [...instance.tags, ...resourceTags(fit.resources)],
      };
      break;
    }
    if (set) {
      sets.set(set.name, set);
      const ids = byInstance.get(set.name);
      if (ids) ids.push(job.id);
      else byInstance.set(set.name, [job.id]);
    } else {
      unmatched.push(job);
      if (reason) refused.push({ job: job.id, tags: [...job.tag_list], reason });
    }
  }
  for (const ids of byInstance.values()) ids.sort((a, b) => a - b);
  unmatched.sort((a, b) => a.id - b.id);
  refused.sort((a, b) => a.job - b.job);
  return { byInstance, unmatched, sets, refused };
}
