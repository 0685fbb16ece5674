import type { MatchableInstance } from './match.js';
import type { Plan, PlannedLaunch } from './plan.js';

/** `[launch] max_launches_per_cycle` when the config does not say. */
export const DEFAULT_MAX_LAUNCHES_PER_CYCLE = 50;

/**
 * Keeps at most `max` of a plan's launches (`[launch] max_launches_per_cycle`); the others wait for the next
 * cycle, which plans them again from fresh job and batch queue lists. Higher `launch_priority` keeps its
 * launches first; instances of equal priority take turns, so one instance with a thousand jobs does not hold
 * back another one for many cycles. The launches kept stay in the plan's order. Returns the number of
 * launches left for later.
 */
export function limitCycleLaunches(
  plan: Plan,
  instances: readonly Pick<MatchableInstance, 'name' | 'launchPriority'>[],
  max: number,
): number {
  if (plan.launches.length <= max) return 0;
  const priority = new Map(instances.map((i) => [i.name, i.launchPriority]));
  const kept = new Set<PlannedLaunch>();
  let room = max;
  // plan.instances is in launch order: instances of one priority sit next to each other.
  for (let start = 0; start < plan.instances.length && room > 0; ) {
    const tier = priority.get(plan.instances[start]!.instance);
    let end = start;
    while (end < plan.instances.length && priority.get(plan.instances[end]!.instance) === tier) end++;
    const queues = plan.instances.slice(start, end).map((p) => [...p.launches]);
    for (let taken = true; taken && room > 0; ) {
      taken = false;
      for (const queue of queues) {
        const launch = queue.shift();
        if (launch === undefined || room === 0) continue;
        kept.add(launch);
        room--;
        taken = true;
      }
    }
    start = end;
  }
  const deferred = plan.launches.length - kept.size;
  plan.launches = plan.launches.filter((l) => kept.has(l));
  for (const p of plan.instances) {
    const left = p.launches.filter((l) => !kept.has(l));
    if (left.length === 0) continue;
    for (const l of left) p.uncovered += l.numJobs;
    p.launches = p.launches.filter((l) => kept.has(l));
    p.limitedBy ??= 'cycle-limit';
  }
  return deferred;
}
