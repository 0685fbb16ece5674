import type { MatchableInstance } from './match.js';

/** What planning needs to know about a runner instance. */
export interface PlanInstance extends MatchableInstance {
  /** Jobs per launch (`[launch] group_size`). */
  groupSize: number;
  /** `runners.<instance>.max_in_flight`: launches of this instance in flight at once. */
  maxInFlight?: number | undefined;
}

/** A launch still in flight, as planning sees it. */
export interface InFlightLaunch {
  instance: string;
  /** `NUM_JOBS` of the launch: how many jobs its runner takes at most. */
  numJobs: number;
  /** The pending jobs the launch was planned for. */
  jobIds: readonly number[];
  /**
   * True while the batch system reports the launch as queued: its runner has not started and will take
   * `numJobs` jobs. Otherwise (running, or unknown) it still covers only those of its jobs that are pending.
   */
  queued: boolean;
}

/** A launch to make. */
export interface PlannedLaunch {
  instance: string;
  numJobs: number;
  /** Pending jobs (oldest first) this launch is meant for; the runner takes whichever GitLab gives it. */
  jobIds: number[];
}

export type PlanLimit = 'instance-limit' | 'global-limit' | 'cycle-limit' | 'backoff' | 'token-refused';

/** The plan of one instance: what is pending, what is covered, what is launched, and why not more. */
export interface InstancePlan {
  instance: string;
  /** Pending jobs matched to the instance. */
  pending: number;
  /** Jobs that launches in flight will still take. */
  covered: number;
  /** Launches of the instance in flight. */
  inFlight: number;
  /** Jobs not covered after this plan's launches (because of a limit or backoff). */
  uncovered: number;
  launches: PlannedLaunch[];
  limitedBy: PlanLimit | undefined;
}

export interface PlanInput {
  instances: readonly PlanInstance[];
  /** Instance name → pending job ids matched to it, ascending. */
  pending: ReadonlyMap<string, readonly number[]>;
  inFlight: readonly InFlightLaunch[];
  /** `[launch] max_in_flight`: launches of all instances in flight at once. */
  maxInFlight?: number | undefined;
  /** Instances that must not launch now (failure backoff). */
  blocked?: ReadonlySet<string> | undefined;
  /** Instances whose runner token GitLab refuses: they launch nothing. */
  refused?: ReadonlySet<string> | undefined;
}

export interface Plan {
  /** Launches in the order they should start: highest `launch_priority` first, instances without one last. */
  launches: PlannedLaunch[];
  /** One entry per instance, in launch order. */
  instances: InstancePlan[];
}

/** Launch order of instances: highest `launch_priority` first, those without one last, then by name. */
export function compareForLaunch(a: MatchableInstance, b: MatchableInstance): number {
  const pa = a.launchPriority;
  const pb = b.launchPriority;
  if (pa !== pb) {
    if (pa === undefined) return 1;
    if (pb === undefined) return -1;
    return pb - pa;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * How many jobs of an instance the launches in flight will still take. A queued launch takes `numJobs`
 * whatever is pending when it starts; a running (or unknown) launch covers only its jobs that are still
 * pending, because a runner that already took its jobs takes no more. A runner that took another launch's
 * job and ended hands its own pending jobs to that launch first (reassign.ts), so a launch whose runner has
 * not used its capacity keeps counting.
 */
export function coveredJobs(launches: Iterable<InFlightLaunch>, pending: ReadonlySet<number>): number {
  let covered = 0;
  for (const launch of launches) {
    if (launch.queued) covered += launch.numJobs;
    else {
      let still = 0;
      for (const id of launch.jobIds) if (pending.has(id)) still++;
      covered += Math.min(still, launch.numJobs);
    }
  }
  return covered;
}

/**
 * Plans launches by counts. A runner cannot be told which job to take, so for every instance the plan
 * compares the number of pending jobs matched to it with the jobs its launches in flight will still take,
 * and launches the difference in groups of `groupSize`, highest priority first, within the per-instance and
 * global limits on launches in flight. Instances in `blocked` or `refused` launch nothing.
 */
export function planLaunches(input: PlanInput): Plan {
  const byInstance = new Map<string, InFlightLaunch[]>();
  for (const launch of input.inFlight) {
    const list = byInstance.get(launch.instance);
    if (list) list.push(launch);
    else byInstance.set(launch.instance, [launch]);
  }
  let globalRoom =
    input.maxInFlight === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, input.maxInFlight - input.inFlight.length);
  const launches: PlannedLaunch[] = [];
  const instances: InstancePlan[] = [];
  for (const instance of [...input.instances].sort(compareForLaunch)) {
    const pendingIds = input.pending.get(instance.name) ?? [];
    const pendingSet = new Set(pendingIds);
    const inFlight = byInstance.get(instance.name) ?? [];
    const covered = coveredJobs(inFlight, pendingSet);
    const plan: InstancePlan = {
      instance: instance.name,
      pending: pendingIds.length,
      covered,
      inFlight: inFlight.length,
      uncovered: 0,
      launches: [],
      limitedBy: undefined,
    };
    instances.push(plan);
    let need = pendingIds.length - covered;
    if (need <= 0) continue;
    if (input.refused?.has(instance.name) || input.blocked?.has(instance.name)) {
      plan.uncovered = need;
      plan.limitedBy = input.refused?.has(instance.name) ? 'token-refused' : 'backoff';
      continue;
    }
    // Jobs not named by any launch in flight go first, oldest first; then the rest.
    const named = new Set<number>();
    for (const launch of inFlight) for (const id of launch.jobIds) named.add(id);
    const order = [...pendingIds.filter((id) => !named.has(id)), ...pendingIds.filter((id) => named.has(id))];
    const groupSize = Math.max(1, Math.floor(instance.groupSize));
    const instanceRoom =
      instance.maxInFlight === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(0, instance.maxInFlight - inFlight.length);
    let next = 0;
    while (need > 0) {
      if (plan.launches.length >= instanceRoom) {
        plan.limitedBy = 'instance-limit';
        break;
      }
      if (globalRoom <= 0) {
        plan.limitedBy = 'global-limit';
        break;
      }
      const numJobs = Math.min(groupSize, need);
      const launch: PlannedLaunch = {
        instance: instance.name,
        numJobs,
        jobIds: order.slice(next, next + numJobs),
      };
      next += numJobs;
      need -= numJobs;
      globalRoom--;
      plan.launches.push(launch);
      launches.push(launch);
    }
    plan.uncovered = need;
  }
  return { launches, instances };
}

/**
 * Queued launches that can be cancelled: all of their jobs have left the pending list, and the instance's
 * launches in flight cover more jobs than are pending, so cancelling them does not leave a job without a
 * runner. The newest launches are chosen first (they are furthest back in the batch queue).
 */
export function staleLaunches<T extends InFlightLaunch & { launchedAt: string }>(
  launches: readonly T[],
  pending: ReadonlyMap<string, readonly number[]>,
): T[] {
  const byInstance = new Map<string, T[]>();
  for (const launch of launches) {
    const list = byInstance.get(launch.instance);
    if (list) list.push(launch);
    else byInstance.set(launch.instance, [launch]);
  }
  const stale: T[] = [];
  for (const [instance, list] of byInstance) {
    const pendingIds = pending.get(instance) ?? [];
    const pendingSet = new Set(pendingIds);
    let surplus = coveredJobs(list, pendingSet) - pendingIds.length;
    const candidates = list
      .filter((l) => l.queued && l.jobIds.length > 0 && l.jobIds.every((id) => !pendingSet.has(id)))
      .sort((a, b) => (a.launchedAt < b.launchedAt ? 1 : a.launchedAt > b.launchedAt ? -1 : 0));
    for (const launch of candidates) {
      if (surplus < launch.numJobs) continue;
      stale.push(launch);
      surplus -= launch.numJobs;
    }
  }
  return stale;
}
