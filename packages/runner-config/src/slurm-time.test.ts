import { describe, expect, it } from 'vitest';
import { runnerMaximumTimeout } from './maximum-timeout.js';
import { NO_TIME_LIMIT, parseSlurmTime } from './slurm-time.js';

describe('parseSlurmTime', () => {
  it.each([
    ['30', 1800],
    ['90', 5400],
    ['30:15', 1815],
    ['01:00:00', 3600],
    ['4:30:30', 16_230],
    ['2-12', 2 * 86_400 + 12 * 3600],
    ['2-12:15', 2 * 86_400 + 12 * 3600 + 15 * 60],
    ['2-12:15:30', 2 * 86_400 + 12 * 3600 + 15 * 60 + 30],
    ['0', NO_TIME_LIMIT],
    ['UNLIMITED', NO_TIME_LIMIT],
    ['infinite', NO_TIME_LIMIT],
  ])('reads %s as sbatch --time does', (text, seconds) => {
    expect(parseSlurmTime(text)).toBe(seconds);
  });

  it.each(['', '1h', '1:2:3:4', '1-2-3', '1-2:3:4:5', '-5', '1.5', 'abc', '1-'])('refuses %j', (text) => {
    expect(parseSlurmTime(text)).toBeUndefined();
  });
});

describe('runnerMaximumTimeout', () => {
  it.each([
    [{}, {}, undefined],
    [{ maximum_timeout: 7_200_000 }, {}, 7200],
    [{ resources: { time: { default: '01:00:00' } } }, {}, 3540],
    [{ resources: { time: { default: '01:00:00' } } }, { time: '2-00' }, 2 * 86_400 - 60],
    [{ maximum_timeout: 7_200_000, resources: { time: { default: '01:00:00' } } }, { time: '2-00' }, 7200],
    [{ resources: { time: { default: '5' } } }, {}, 600],
    [{ resources: { time: { default: 'UNLIMITED' } } }, {}, undefined],
  ])('instance %j with %j: %s s', (instance, values, seconds) => {
    expect(runnerMaximumTimeout(instance, values)).toBe(seconds);
  });
});
