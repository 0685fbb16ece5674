import { describe, expect, it } from 'vitest';
import { defaultRetry, retryDelay } from './retry.js';

const now = Date.parse('2025-03-01T12:00:00Z');
const options = { ...defaultRetry, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retryDelay', () => {
  it.each([
    ['Retry-After in seconds', { 'retry-after': '7' }, 7_000, 'retry-after'],
    ['Retry-After with a fraction', { 'retry-after': '0.25' }, 250, 'retry-after'],
    [
      'Retry-After as an HTTP date',
      { 'retry-after': new Date(now + 3_000).toUTCString() },
      3_000,
      'retry-after',
    ],
    ['Retry-After in the past', { 'retry-after': new Date(now - 3_000).toUTCString() }, 0, 'retry-after'],
    [
      'RateLimit-Reset as a Unix time',
      { 'ratelimit-reset': String(now / 1000 + 42) },
      42_000,
      'ratelimit-reset',
    ],
    ['RateLimit-Reset as seconds from now', { 'ratelimit-reset': '5' }, 5_000, 'ratelimit-reset'],
    [
      'Retry-After before RateLimit-Reset',
      { 'retry-after': '2', 'ratelimit-reset': '9' },
      2_000,
      'retry-after',
    ],
    [
      'a garbled Retry-After, then RateLimit-Reset',
      { 'retry-after': 'soon', 'ratelimit-reset': '3' },
      3_000,
      'ratelimit-reset',
    ],
  ])('honours %s', (_name, headers, ms, source) => {
    expect(retryDelay(headers, 0, options, now, () => 0.5)).toEqual({ ms, source });
  });

  it('backs off exponentially with jitter in the upper half of each step, up to maxDelayMs', () => {
    const steps = [0, 1, 2, 3, 4, 5].map((retry) => [
      retryDelay({}, retry, options, now, () => 0).ms,
      retryDelay(undefined, retry, options, now, () => 1).ms,
    ]);
    expect(steps).toEqual([
      [50, 100],
      [100, 200],
      [200, 400],
      [400, 800],
      [500, 1_000],
      [500, 1_000],
    ]);
  });
});
