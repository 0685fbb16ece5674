import type { LauncherCore } from './launcher-core.js';
import type { Plan, PlanInstance, PlannedLaunch } from './plan.js';
import type { RefusedJob, ResourceMatchResult, ResourceSet } from './resources.js';

/** Refused jobs handed on for `status` per cycle; the log summarises every one of them. */
export const REFUSED_JOBS_KEPT = 100;

/** What the launcher asks of the registry of resource runners (implemented by `@mr/registration`). */
export interface ResourceRunnerSync {
  /**
   * Registers a runner for each needed set that has none (tokens file and generated gitlab-runner config
   * written before it returns), marks the sets in `inUse` as used now, deletes runners idle for longer than
   * their instance allows, and records the refused jobs for `status`. A set that cannot be registered is
   * reported in `waiting`, never thrown.
   */
  sync(input: {
    needed: readonly ResourceSet[];
    inUse: ReadonlySet<string>;
    /** The first {@link REFUSED_JOBS_KEPT} refused jobs of the cycle. */
    refused: readonly RefusedJob[];
    /** How many jobs the cycle refused in all. */
    refusedTotal?: number;
    /**
     * Resource runner name → the token GitLab refuses (runner deleted in GitLab, token revoked or expired):
     * a runner that still has that token is deleted (if GitLab still has it) and forgotten, and registered
     * again when a set needs it; one that cannot be deleted is not ready.
     */
    refusedTokens?: ReadonlyMap<string, string>;
    signal: AbortSignal;
  }): Promise<{
    ready: ReadonlySet<string>;
    waiting: ReadonlyMap<string, string>;
    secrets: readonly string[];
  }>;
}

/**
 * The plan instances of this cycle's resource sets whose runner is registered: each is planned like an
 * instance of its own (jobs of one set are grouped only with each other), with its instance's settings.
 * Jobs of sets without a runner are taken out of `matches.byInstance` and wait, logged at verbose level. A
 * dry run registers nothing and plans every set as if its runner were registered. `refusedTokens`: resource
 * runners GitLab refuses, registered again by the sync.
 */
export async function resourcePlanInstances(
  core: LauncherCore,
  matches: ResourceMatchResult,
  signal: AbortSignal,
  dryRun: boolean,
  refusedTokens: ReadonlyMap<string, string> = new Map(),
): Promise<{ instances: PlanInstance[]; secrets: readonly string[] }> {
  const { options, logger } = core;
  const known = options.resourceSets;
  for (const set of matches.sets.values()) known?.set(set.name, set);
  const hook = options.resourceRunners;
  const inUse = new Set(matches.sets.keys());
  for (const launch of core.state.launches) if (known?.has(launch.instance)) inUse.add(launch.instance);
  let ready: ReadonlySet<string> = new Set();
  let waiting: ReadonlyMap<string, string> = new Map();
  let secrets: readonly string[] = [];
  if (hook && !dryRun) {
    ({ ready, waiting, secrets } = await hook.sync({
      needed: [...matches.sets.values()],
      inUse,
      refused: matches.refused.slice(0, REFUSED_JOBS_KEPT),
      refusedTotal: matches.refused.length,
      refusedTokens,
      signal,
    }));
  } else if (dryRun) {
    // A real cycle would register the missing runners first: show their launches.
    ready = new Set(matches.sets.keys());
  }
  const instances: PlanInstance[] = [];
  for (const set of matches.sets.values()) {
    const base = options.settings.instances.find((i) => i.name === set.instance);
    if (!base || !ready.has(set.name)) {
      const jobs = matches.byInstance.get(set.name)?.length ?? 0;
      matches.byInstance.delete(set.name);
      logger.verbose(
        `${jobs} job(s) wait: ${waiting.get(set.name) ?? 'their resource runner is not registered'}`,
        {
          instance: set.name,
        },
      );
      continue;
    }
    instances.push({ ...base, name: set.name, tags: set.tags, runUntagged: false });
  }
  return { instances, secrets };
}

/**
 * Keeps `max_in_flight` of an instance for the instance and its resource sets together: the planner sees
 * each set as an instance of its own, so launches beyond the instance's room are taken out of the plan
 * (in plan order, so higher priorities keep theirs) and their jobs wait as `instance-limit`.
 */
export function capInstanceLaunches(
  plan: Plan,
  instances: readonly PlanInstance[],
  sets: ReadonlyMap<string, Pick<ResourceSet, 'instance'>>,
  inFlight: readonly { instance: string }[],
): void {
  const baseOf = (name: string) => sets.get(name)?.instance ?? name;
  const limit = new Map(instances.map((i) => [i.name, i.maxInFlight]));
  const used = new Map<string, number>();
  for (const launch of inFlight)
    used.set(baseOf(launch.instance), (used.get(baseOf(launch.instance)) ?? 0) + 1);
  const dropped = new Set<PlannedLaunch>();
  for (const launch of plan.launches) {
    const base = baseOf(launch.instance);
    const max = limit.get(base);
    const count = used.get(base) ?? 0;
    if (max !== undefined && count >= max) dropped.add(launch);
    else used.set(base, count + 1);
  }
  if (dropped.size === 0) return;
  plan.launches = plan.launches.filter((l) => !dropped.has(l));
  for (const p of plan.instances) {
    const kept = p.launches.filter((l) => !dropped.has(l));
    for (const l of p.launches) if (dropped.has(l)) p.uncovered += l.numJobs;
    if (kept.length < p.launches.length) p.limitedBy = 'instance-limit';
    p.launches = kept;
  }
}
