import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './size.js';

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

describe('formatSize', () => {
  it('formats sizes for people', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
});
