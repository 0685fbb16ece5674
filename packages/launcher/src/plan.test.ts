import { describe, expect, it } from 'vitest';
import { coveredJobs, type InFlightLaunch, type PlanInstance, planLaunches, staleLaunches } from './plan.js';

const inst = (name: string, extra: Partial<PlanInstance> = {}): PlanInstance => ({
  name,
  tags: [name],
  runUntagged: false,
  groupSize: 1,
  ...extra,
});
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const pending = (entries: Record<string, number[]>) => new Map(Object.entries(entries));
const summary = (plan: ReturnType<typeof planLaunches>) =>
  plan.launches.map((l) => `${l.instance}:${l.numJobs}`);

describe('planning launches by counts', () => {
  it('launches one runner per pending job when nothing is in flight', () => {
    const plan = planLaunches({ instances: [inst('a')], pending: pending({ a: [1, 2, 3] }), inFlight: [] });
    expect(summary(plan)).toEqual(['a:1', 'a:1', 'a:1']);
    expect(plan.launches.map((l) => l.jobIds)).toEqual([[1], [2], [3]]);
  });

  it('groups jobs by group_size; the last group takes the rest', () => {
    const plan = planLaunches({
      instances: [inst('a', { groupSize: 2 })],
      pending: pending({ a: ids(1, 5) }),
      inFlight: [],
    });
    expect(summary(plan)).toEqual(['a:2', 'a:2', 'a:1']);
    expect(plan.launches.map((l) => l.jobIds)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('subtracts the jobs that launches in flight will still take', () => {
    const inFlight: InFlightLaunch[] = [
      { instance: 'a', numJobs: 2, jobIds: [1, 2], queued: true },
      { instance: 'a', numJobs: 1, jobIds: [3], queued: false },
    ];
    const plan = planLaunches({ instances: [inst('a')], pending: pending({ a: ids(1, 5) }), inFlight });
    expect(summary(plan)).toEqual(['a:1', 'a:1']);
    expect(plan.launches.map((l) => l.jobIds)).toEqual([[4], [5]]);
    expect(plan.instances[0]).toMatchObject({ pending: 5, covered: 3, inFlight: 2, uncovered: 0 });
  });

  it('counts a queued launch fully and a running launch only for its jobs still pending', () => {
    const pendingSet = new Set([7, 8]);
    expect(coveredJobs([{ instance: 'a', numJobs: 3, jobIds: [1, 2, 3], queued: true }], pendingSet)).toBe(3);
    expect(coveredJobs([{ instance: 'a', numJobs: 3, jobIds: [1, 7, 8], queued: false }], pendingSet)).toBe(
      2,
    );
    expect(coveredJobs([{ instance: 'a', numJobs: 1, jobIds: [7, 8], queued: false }], pendingSet)).toBe(1);
  });

  it('launches for a new job while a running launch works on an older one', () => {
    // Job 1 was taken by the running launch; job 2 is new.
    const plan = planLaunches({
      instances: [inst('a')],
      pending: pending({ a: [2] }),
      inFlight: [{ instance: 'a', numJobs: 1, jobIds: [1], queued: false }],
    });
    expect(summary(plan)).toEqual(['a:1']);
  });

  it('launches nothing when in-flight launches cover more than is pending', () => {
    const plan = planLaunches({
      instances: [inst('a')],
      pending: pending({ a: [1] }),
      inFlight: [{ instance: 'a', numJobs: 4, jobIds: [1], queued: true }],
    });
    expect(plan.launches).toEqual([]);
  });

  it('launches the highest launch_priority first and instances without one last', () => {
    const plan = planLaunches({
      instances: [inst('none'), inst('low', { launchPriority: 1 }), inst('high', { launchPriority: 10 })],
      pending: pending({ none: [1], low: [2], high: [3] }),
      inFlight: [],
    });
    expect(summary(plan)).toEqual(['high:1', 'low:1', 'none:1']);
  });

  it('keeps within the per-instance limit, counting launches in flight', () => {
    const plan = planLaunches({
      instances: [inst('a', { maxInFlight: 3 })],
      pending: pending({ a: ids(1, 10) }),
      inFlight: [{ instance: 'a', numJobs: 1, jobIds: [1], queued: true }],
    });
    expect(plan.launches).toHaveLength(2);
    expect(plan.instances[0]).toMatchObject({ limitedBy: 'instance-limit', uncovered: 7 });
  });

  it('keeps within the global limit, giving the room to higher priorities first', () => {
    const plan = planLaunches({
      instances: [inst('low', { launchPriority: 1 }), inst('high', { launchPriority: 2 })],
      pending: pending({ low: ids(1, 5), high: ids(10, 5) }),
      inFlight: [{ instance: 'low', numJobs: 1, jobIds: [99], queued: true }],
      maxInFlight: 4,
    });
    expect(summary(plan)).toEqual(['high:1', 'high:1', 'high:1']);
    expect(plan.instances.find((p) => p.instance === 'low')).toMatchObject({ limitedBy: 'global-limit' });
  });

  it('launches nothing for an instance in backoff', () => {
    const plan = planLaunches({
      instances: [inst('a'), inst('b')],
      pending: pending({ a: [1], b: [2] }),
      inFlight: [],
      blocked: new Set(['a']),
    });
    expect(summary(plan)).toEqual(['b:1']);
    expect(plan.instances.find((p) => p.instance === 'a')).toMatchObject({
      limitedBy: 'backoff',
      uncovered: 1,
    });
  });

  it('hands new launches the jobs no launch in flight was planned for, oldest first', () => {
    const plan = planLaunches({
      instances: [inst('a', { groupSize: 2 })],
      pending: pending({ a: [1, 2, 3, 4] }),
      inFlight: [{ instance: 'a', numJobs: 2, jobIds: [1, 3], queued: true }],
    });
    expect(plan.launches.map((l) => l.jobIds)).toEqual([[2, 4]]);
  });
});

describe('finding stale launches', () => {
  const launch = (id: string, jobIds: number[], queued: boolean, launchedAt: string, numJobs = 1) => ({
    id,
    instance: 'a',
    numJobs,
    jobIds,
    queued,
    launchedAt,
  });

  it('picks queued launches whose jobs are all gone, newest first, while others cover the pending jobs', () => {
    const launches = [
      launch('old', [1], true, '2024-01-01T00:00:00Z'),
      launch('new', [2], true, '2024-01-01T00:01:00Z'),
      launch('live', [3], true, '2024-01-01T00:02:00Z'),
    ];
    // Only job 3 is pending: one launch would do, so both launches of vanished jobs are stale.
    expect(staleLaunches(launches, pending({ a: [3] })).map((l) => l.id)).toEqual(['new', 'old']);
    // Three new jobs: every queued launch is still needed.
    expect(staleLaunches(launches, pending({ a: [3, 4, 5] }))).toEqual([]);
    // Two pending: one of the two is stale, the newest.
    expect(staleLaunches(launches, pending({ a: [3, 4] })).map((l) => l.id)).toEqual(['new']);
  });

  it('never picks a running launch or one with a job still pending', () => {
    const launches = [
      launch('running', [1], false, '2024-01-01T00:00:00Z'),
      launch('q', [2], true, '2024-01-01T00:00:00Z'),
    ];
    expect(staleLaunches(launches, pending({ a: [2] }))).toEqual([]);
  });
});
