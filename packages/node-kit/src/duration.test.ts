import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_TIMER_MS, parseDuration } from './duration.js';

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

  it('reads TOML integers read as BigInt', () => {
    expect(parseDuration(30n)).toBe(30_000);
    expect(parseDuration(-1n)).toBeUndefined();
  });

  it("knows the longest wait Node's timers allow", () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});

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
