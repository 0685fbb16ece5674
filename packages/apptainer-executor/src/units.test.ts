import { describe, expect, it } from 'vitest';
import { formatSize, parseDuration, parseSize } from './units.js';

describe('units', () => {
  it.each([
    [10, 10_000],
    ['10', 10_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['0.5s', 500],
    ['x', undefined],
    [-1, undefined],
    ['10 parsecs', undefined],
  ])('duration %j = %j ms', (value, ms) => expect(parseDuration(value)).toBe(ms));

  it.each([
    [4096, 4096],
    ['4096', 4096],
    ['500M', 500 * 1024 ** 2],
    ['50G', 50 * 1024 ** 3],
    ['1.5TiB', 1.5 * 1024 ** 4],
    ['2gb', 2 * 1024 ** 3],
    ['1X', undefined],
    [1.5, undefined],
  ])('size %j = %j bytes', (value, bytes) => expect(parseSize(value)).toBe(bytes));

  it('formats sizes for people', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
});
