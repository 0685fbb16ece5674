import { describe, expect, it } from 'vitest';
import { type PaceInput, PollPacer, rateLimitLow } from './poll-pace.js';

const now = new Date('2026-12-01T08:00:00Z');
const quiet: PaceInput = { launched: 0, newMatched: 0, matchedPending: 0, now };

describe('PollPacer', () => {
  it('polls at the interval when adaptive polling is off, whatever happens', () => {
    const pacer = new PollPacer({ intervalMs: 30_000, adaptive: false, fastMs: 2000 });
    expect(pacer.next({ ...quiet, launched: 3, matchedPending: 3 })).toEqual({
      delayMs: 30_000,
      reason: 'fixed',
    });
  });

  it('polls after fast_interval when the cycle left launches for the next one, adaptive or not', () => {
    for (const adaptive of [false, true]) {
      const pacer = new PollPacer({ intervalMs: 30_000, adaptive, fastMs: 2000 });
      expect(pacer.next({ ...quiet, launched: 50, deferred: 950, matchedPending: 1000 })).toEqual({
        delayMs: 2000,
        reason: 'more-to-launch',
      });
      expect(pacer.next({ ...quiet, matchedPending: 1000 }).delayMs).toBe(adaptive ? 4000 : 30_000);
    }
  });

  it('polls fast after launches and new jobs, doubles while jobs wait, and relaxes to the interval when idle', () => {
    const pacer = new PollPacer({ intervalMs: 30_000, adaptive: true, fastMs: 2000 });
    const steps = [
      pacer.next({ ...quiet, launched: 1, matchedPending: 1 }),
      pacer.next({ ...quiet, matchedPending: 1 }),
      pacer.next({ ...quiet, matchedPending: 1 }),
      pacer.next({ ...quiet, newMatched: 1, matchedPending: 2 }),
      pacer.next({ ...quiet, matchedPending: 2 }),
      pacer.next({ ...quiet, matchedPending: 2 }),
      pacer.next({ ...quiet, matchedPending: 2 }),
      pacer.next({ ...quiet, matchedPending: 2 }),
      pacer.next({ ...quiet, matchedPending: 2 }),
      pacer.next(quiet),
    ];
    expect(steps.map((s) => [s.delayMs, s.reason])).toEqual([
      [2000, 'launched'],
      [4000, 'waiting'],
      [8000, 'waiting'],
      [2000, 'new-jobs'],
      [4000, 'waiting'],
      [8000, 'waiting'],
      [16_000, 'waiting'],
      [30_000, 'waiting'],
      [30_000, 'waiting'],
      [30_000, 'idle'],
    ]);
  });

  it('polls at a tenth of the youngest launch age while launches are in flight, between fast_interval and the interval', () => {
    const pacer = new PollPacer({ intervalMs: 30_000, adaptive: true, fastMs: 2000 });
    const inFlight = (ms: number, more: Partial<PaceInput> = {}) =>
      pacer.next({ ...quiet, inFlightForMs: ms, ...more });
    expect(inFlight(5000)).toEqual({ delayMs: 2000, reason: 'in-flight' });
    expect(inFlight(45_000)).toEqual({ delayMs: 4500, reason: 'in-flight' });
    expect(inFlight(3_600_000)).toEqual({ delayMs: 30_000, reason: 'in-flight' });
    // Launches and new jobs still poll at fast_interval; jobs waiting behind launches follow the launches.
    expect(inFlight(45_000, { launched: 1 })).toEqual({ delayMs: 2000, reason: 'launched' });
    expect(inFlight(45_000, { newMatched: 1, matchedPending: 1 })).toEqual({
      delayMs: 2000,
      reason: 'new-jobs',
    });
    expect(inFlight(45_000, { matchedPending: 1 })).toEqual({ delayMs: 4500, reason: 'in-flight' });
    // Nothing in flight any more: idle at once.
    expect(pacer.next(quiet)).toEqual({ delayMs: 30_000, reason: 'idle' });
  });

  it('never polls faster than the interval when fast_interval is above it', () => {
    const pacer = new PollPacer({ intervalMs: 200, adaptive: true, fastMs: 2000 });
    expect(pacer.next({ ...quiet, launched: 1 })).toEqual({ delayMs: 200, reason: 'launched' });
  });

  it('waits for the quota reset when RateLimit-Remaining runs low, launches in flight or not', () => {
    const pacer = new PollPacer({ intervalMs: 30_000, adaptive: true, fastMs: 2000 });
    const rateLimit = { limit: 2000, remaining: 150, resetAt: new Date(now.getTime() + 45_000), seenAt: now };
    expect(pacer.next({ ...quiet, launched: 1, rateLimit })).toEqual({
      delayMs: 45_000,
      reason: 'rate-limit',
    });
    expect(pacer.next({ ...quiet, inFlightForMs: 5000, rateLimit })).toEqual({
      delayMs: 45_000,
      reason: 'rate-limit',
    });
    expect(pacer.next({ ...quiet, launched: 1, rateLimit: { ...rateLimit, remaining: 500 } })).toEqual({
      delayMs: 2000,
      reason: 'launched',
    });
  });

  it.each([
    [{ limit: 2000, remaining: 200 }, true],
    [{ limit: 2000, remaining: 201 }, false],
    [{ limit: 10, remaining: 1 }, true],
    [{ limit: 0, remaining: 0 }, false],
  ])('counts %o as low: %s', (rate, low) => {
    expect(rateLimitLow({ ...rate, resetAt: undefined, seenAt: now }, now)).toBe(low);
  });

  it('ignores RateLimit headers older than two minutes', () => {
    const old = { limit: 10, remaining: 0, resetAt: undefined, seenAt: new Date(now.getTime() - 180_000) };
    expect(rateLimitLow(old, now)).toBe(false);
  });
});
