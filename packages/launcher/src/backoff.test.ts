import { describe, expect, it } from 'vitest';
import { inBackoff, MAX_BACKOFF_MS, nextBackoff } from './backoff.js';

describe('failure backoff', () => {
  const now = new Date('2024-05-01T12:00:00Z');

  it('waits the base time after a first failure and doubles it after each further one, up to 30 minutes', () => {
    let record = nextBackoff(undefined, 30_000, now);
    const waits = [Date.parse(record.until) - now.getTime()];
    for (let i = 0; i < 8; i++) {
      record = nextBackoff(record, 30_000, now);
      waits.push(Date.parse(record.until) - now.getTime());
    }
    expect(waits.map((w) => w / 1000)).toEqual([30, 60, 120, 240, 480, 960, 1800, 1800, 1800]);
    expect(record.failures).toBe(9);
    expect(Math.max(...waits)).toBe(MAX_BACKOFF_MS);
  });

  it('blocks until the time has passed', () => {
    const record = nextBackoff(undefined, 1000, now);
    expect(inBackoff(record, now)).toBe(true);
    expect(inBackoff(record, new Date(now.getTime() + 1000))).toBe(false);
    expect(inBackoff(undefined, now)).toBe(false);
  });
});
