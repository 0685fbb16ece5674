import { parseDuration } from '@mr/apptainer-executor/settings';
import { describe, expect, it } from 'vitest';
import { formatDuration } from './units.js';

describe('formatDuration', () => {
  it.each([
    [30_000, '30s'],
    [600_000, '10m'],
    [5_400_000, '1h30m'],
    [604_800_000, '7d'],
    [0, '0s'],
  ])('writes %d ms as %j, which reads back the same', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
