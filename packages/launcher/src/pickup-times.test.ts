import { describe, expect, it } from 'vitest';
import type { MatchableJob } from './match.js';
import { PendingSince, recordPickups } from './pickup-times.js';
import { emptyState, RECENT_PICKUPS_KEPT } from './state.js';

const t0 = new Date('2024-06-01T10:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);

describe('pickup times', () => {
  it('measures from queued_duration, else created_at, and counts each job once', () => {
    const clock = new PendingSince();
    // GitLab's pending job list carries queued_duration (seconds pending so far) besides created_at.
    const jobs: (MatchableJob & { queued_duration?: number })[] = [
      { id: 1, tag_list: [], queued_duration: 5 },
      { id: 2, tag_list: [], created_at: '2024-06-01T09:59:50Z' },
      { id: 3, tag_list: [] },
    ];
    clock.seen(jobs, t0);
    expect(clock.take([1, 2, 3], later(2))).toEqual([
      { job: 1, seconds: 7 },
      { job: 2, seconds: 12 },
    ]);
    expect(clock.take([1, 2], later(3))).toEqual([]);
  });

  it('forgets jobs that are no longer pending', () => {
    const clock = new PendingSince();
    clock.seen([{ id: 1, tag_list: [], created_at: '2024-06-01T09:59:59Z' }], t0);
    clock.seen([], later(1));
    expect(clock.take([1], later(2))).toEqual([]);
  });

  it('keeps the most recent pickups in the state, to 0.1 s', () => {
    const state = emptyState();
    for (let i = 0; i < RECENT_PICKUPS_KEPT + 5; i++)
      recordPickups(state, 'cpu', [{ job: i, seconds: 1.234 }], later(i));
    expect(state.recentPickups).toHaveLength(RECENT_PICKUPS_KEPT);
    expect(state.recentPickups![0]).toEqual({
      at: later(5).toISOString(),
      instance: 'cpu',
      job: 5,
      seconds: 1.2,
    });
  });
});
