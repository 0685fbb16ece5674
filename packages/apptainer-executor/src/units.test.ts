import { describe, expect, it } from 'vitest';
import { formatSize, MAX_TIMER_MS, parseDuration, parseSize } from './units.js';

describe('parseDuration', () => {
  it.each([
    [30, 30_000],
    [0, 0],
    [1.5, 1500],
    ['30', 30_000],
    ['90s', 90_000],
    ['0.5s', 500],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    [' 10M ', 600_000],
    ['1.5m', 90_000],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    [-1],
    ['-5s'],
    [''],
    ['10 minutes'],
    ['10 parsecs'],
    ['5x'],
    ['s'],
    [true],
    [null],
    [[]],
    [Number.NaN],
    [Infinity],
  ])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it("knows the longest wait Node's timers allow", () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});

describe('parseSize', () => {
  it.each([
    [0, 0],
    [4096, 4096],
    ['4096', 4096],
    ['1K', 1024],
    ['500M', 500 * 1024 ** 2],
    ['50G', 50 * 1024 ** 3],
    ['50GiB', 50 * 1024 ** 3],
    ['50gb', 50 * 1024 ** 3],
    ['1.5T', 1.5 * 1024 ** 4],
    ['1.5TiB', 1.5 * 1024 ** 4],
    ['2 G', 2 * 1024 ** 3],
  ])('reads %j as %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([[-1], [1.5], ['50X'], ['G'], ['-1G'], [''], [false]])('rejects %j', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});

describe('formatSize', () => {
  it('formats sizes for people', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
});
