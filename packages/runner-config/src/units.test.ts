import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSize } from './units.js';

describe('parseDuration', () => {
  it.each([
    [30, 30],
    [0, 0],
    [1.5, 1.5],
    ['30', 30],
    ['90s', 90],
    ['10m', 600],
    ['2h', 7200],
    ['7d', 604_800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    [' 10M ', 600],
    ['1.5m', 90],
  ])('reads %j as %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([
    [-1],
    ['-5s'],
    [''],
    ['10 minutes'],
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
    ['2 G', 2 * 1024 ** 3],
  ])('reads %j as %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([[-1], [1.5], ['50X'], ['G'], ['-1G'], [''], [false]])('rejects %j', (input) => {
    expect(parseSize(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [30, '30s'],
    [600, '10m'],
    [5400, '1h30m'],
    [604_800, '7d'],
    [0, '0s'],
  ])('writes %d seconds as %j, which reads back the same', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});
