import { describe, expect, it } from 'vitest';
import { type PlanInstance, planLaunches } from './plan.js';
import { capInstanceLaunches } from './resource-cycle.js';

const base: PlanInstance = {
  name: 'flex',
  tags: ['slurm'],
  runUntagged: false,
  groupSize: 1,
  maxInFlight: 3,
};
const set = (name: string): PlanInstance => ({ ...base, name, tags: ['slurm', name] });

describe('capInstanceLaunches', () => {
  it('holds max_in_flight of an instance for the instance and all its resource sets together', () => {
    const instances = [base, set('flex.cpus-4'), set('flex.cpus-8')];
    const sets = new Map([
      ['flex.cpus-4', { instance: 'flex' }],
      ['flex.cpus-8', { instance: 'flex' }],
    ]);
    const inFlight = [{ instance: 'flex.cpus-8', numJobs: 1, jobIds: [9], queued: true }];
    const plan = planLaunches({
      instances,
      pending: new Map([
        ['flex', [1]],
        ['flex.cpus-4', [2, 3]],
        ['flex.cpus-8', [4, 9]],
      ]),
      inFlight,
    });
    // Each set alone is within 3; together they would be 5 in flight.
    expect(plan.launches).toHaveLength(4);
    capInstanceLaunches(plan, [base], sets, inFlight);
    expect(plan.launches).toHaveLength(2);
    const uncovered = plan.instances.reduce((n, p) => n + p.uncovered, 0);
    expect(uncovered).toBe(2);
    expect(plan.instances.filter((p) => p.limitedBy === 'instance-limit').length).toBeGreaterThan(0);
  });

  it('changes nothing for an instance without max_in_flight', () => {
    const unlimited = { ...base, maxInFlight: undefined };
    const plan = planLaunches({
      instances: [unlimited, set('flex.cpus-4')],
      pending: new Map([
        ['flex', [1]],
        ['flex.cpus-4', [2]],
      ]),
      inFlight: [],
    });
    capInstanceLaunches(plan, [unlimited], new Map([['flex.cpus-4', { instance: 'flex' }]]), []);
    expect(plan.launches).toHaveLength(2);
  });
});
