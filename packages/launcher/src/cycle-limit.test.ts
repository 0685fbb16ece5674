import { describe, expect, it } from 'vitest';
import { limitCycleLaunches } from './cycle-limit.js';
import { type PlanInstance, planLaunches } from './plan.js';

const inst = (name: string, extra: Partial<PlanInstance> = {}): PlanInstance => ({
  name,
  tags: [name],
  runUntagged: false,
  groupSize: 1,
  ...extra,
});
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const summary = (launches: { instance: string }[]) => launches.map((l) => l.instance).join(',');

describe('launches per cycle', () => {
  it('leaves a plan within the bound as it is', () => {
    const instances = [inst('a'), inst('b')];
    const plan = planLaunches({
      instances,
      pending: new Map([
        ['a', ids(1, 3)],
        ['b', ids(10, 2)],
      ]),
      inFlight: [],
    });
    const before = [...plan.launches];
    expect(limitCycleLaunches(plan, instances, 5)).toBe(0);
    expect(plan.launches).toEqual(before);
    expect(plan.instances.map((p) => p.limitedBy)).toEqual([undefined, undefined]);
  });

  it('keeps the oldest jobs of each instance and leaves the rest uncovered for the next cycle', () => {
    const instances = [inst('a')];
    const plan = planLaunches({ instances, pending: new Map([['a', ids(1, 1000)]]), inFlight: [] });
    expect(limitCycleLaunches(plan, instances, 50)).toBe(950);
    expect(plan.launches.map((l) => l.jobIds[0])).toEqual(ids(1, 50));
    expect(plan.instances[0]).toMatchObject({ uncovered: 950, limitedBy: 'cycle-limit' });
    expect(plan.instances[0]!.launches).toHaveLength(50);
  });

  it('gives higher priorities the room first and lets instances of equal priority take turns', () => {
    const instances = [
      inst('gpu', { launchPriority: 10 }),
      inst('big', { launchPriority: 1 }),
      inst('small', { launchPriority: 1 }),
      inst('rest'),
    ];
    const plan = planLaunches({
      instances,
      pending: new Map([
        ['gpu', ids(1, 2)],
        ['big', ids(100, 20)],
        ['small', ids(200, 2)],
        ['rest', ids(300, 5)],
      ]),
      inFlight: [],
    });
    expect(limitCycleLaunches(plan, instances, 7)).toBe(29 - 7);
    // Kept in the plan's order: gpu first, then big and small (two each before big takes the last room).
    expect(summary(plan.launches)).toBe('gpu,gpu,big,big,big,small,small');
    expect(plan.instances.map((p) => [p.instance, p.launches.length, p.uncovered, p.limitedBy])).toEqual([
      ['gpu', 2, 0, undefined],
      ['big', 3, 17, 'cycle-limit'],
      ['small', 2, 0, undefined],
      ['rest', 0, 5, 'cycle-limit'],
    ]);
  });

  it('keeps a limit already found (max_in_flight) as the reason jobs wait', () => {
    const instances = [inst('a', { maxInFlight: 10 })];
    const plan = planLaunches({ instances, pending: new Map([['a', ids(1, 20)]]), inFlight: [] });
    expect(limitCycleLaunches(plan, instances, 4)).toBe(6);
    expect(plan.instances[0]).toMatchObject({ uncovered: 16, limitedBy: 'instance-limit' });
  });
});
