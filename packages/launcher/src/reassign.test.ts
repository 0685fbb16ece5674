import { describe, expect, it } from 'vitest';
import { coveredJobs } from './plan.js';
import { reassignEndedJobs } from './reassign.js';
import type { LaunchRecord } from './state.js';

let clock = 0;
const launch = (id: string, jobIds: number[], extra: Partial<LaunchRecord> = {}): LaunchRecord => ({
  id,
  instance: 'cpu',
  numJobs: jobIds.length || 1,
  jobIds,
  launchedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, clock++)).toISOString(),
  phase: 'submitted',
  ...extra,
});
const running = (records: LaunchRecord[]) => records.map((r) => ({ ...r, queued: false }));

describe('handing the jobs of ended launches on', () => {
  it('gives the pending job of a launch whose runner took another launch’s job to that launch', () => {
    // A was planned for job 1, B for job 2. A's runner took job 2 and ended; B's runner has taken nothing.
    const a = launch('A', [1]);
    const b = launch('B', [2]);
    const pending = new Set([1]);
    expect(coveredJobs(running([b]), pending)).toBe(0);
    expect(reassignEndedJobs([a], [b], pending)).toEqual([{ job: 1, from: 'A', to: 'B', replaced: 2 }]);
    expect(b.jobIds).toEqual([1]);
    expect(coveredJobs(running([b]), pending)).toBe(1);
  });

  it('moves nothing when the ended launch took its own jobs or nothing of its instance is gone', () => {
    const a = launch('A', [1]);
    const b = launch('B', [2]);
    expect(reassignEndedJobs([a], [b], new Set([2]))).toEqual([]);
    expect(reassignEndedJobs([a], [b], new Set([1, 2]))).toEqual([]);
    expect(b.jobIds).toEqual([2]);
  });

  it('moves at most what the ended launch took beyond its own jobs, oldest target first', () => {
    // A (2 jobs: 1, 2) took job 1 and job 3 (C's); B and C have taken nothing yet.
    const a = launch('A', [1, 2]);
    const b = launch('B', [4]);
    const c = launch('C', [3]);
    const d = launch('D', [5], { instance: 'gpu' });
    const pending = new Set([2, 4]);
    expect(reassignEndedJobs([a], [b, c, d], pending)).toEqual([{ job: 2, from: 'A', to: 'C', replaced: 3 }]);
    expect(c.jobIds).toEqual([2]);
    expect(d.jobIds).toEqual([5]);
  });

  it('never names a job twice in one launch', () => {
    const a = launch('A', [1]);
    const b = launch('B', [1, 2], { numJobs: 2 });
    expect(reassignEndedJobs([a], [b], new Set([1]))).toEqual([]);
    expect(b.jobIds).toEqual([1, 2]);
  });

  it('hands a job on only once: the launch it went to then counts it until it ends', () => {
    // A took B's job 2 and ended; B now counts job 1. B's runner takes job 1: nothing is left to hand on.
    const a = launch('A', [1]);
    const b = launch('B', [2]);
    reassignEndedJobs([a], [b], new Set([1]));
    expect(reassignEndedJobs([b], [], new Set())).toEqual([]);
    // Had A's runner crashed instead (B took job 2), job 1 is still pending when B ends, and nothing in
    // flight holds it: the planner launches for it then.
    const c = launch('C', [3]);
    expect(reassignEndedJobs([b], [c], new Set([1, 3]))).toEqual([]);
  });
});
