import { describe, expect, it } from 'vitest';
import { createLogger, levelFromFlags, useColor } from './logger.js';

function sink(isTTY = false) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (chunk: string) => lines.push(chunk) } };
}

describe('createLogger', () => {
  it('writes levels up to the chosen one, one line each', () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: 'info', stream, env: {} });
    log.debug('hidden');
    log.verbose('hidden');
    log.info('shown', { jobs: 3, name: 'a b' });
    log.warn('careful');
    log.error('broken');
    expect(lines).toEqual(['shown jobs=3 name="a b"\n', 'warning: careful\n', 'error: broken\n']);
    expect(log.enabled('verbose')).toBe(false);
  });

  it('colours only on a TTY and never with NO_COLOR', () => {
    const tty = sink(true);
    createLogger({ stream: tty.stream, env: {} }).error('x');
    expect(tty.lines[0]).toContain('\x1b[31m');
    const noColor = sink(true);
    createLogger({ stream: noColor.stream, env: { NO_COLOR: '1' } }).error('x');
    expect(noColor.lines[0]).toBe('error: x\n');
    const pipe = sink(false);
    createLogger({ stream: pipe.stream, env: {} }).error('x');
    expect(pipe.lines[0]).toBe('error: x\n');
  });

  it('writes JSON lines with time, level, scope and fields', () => {
    const { lines, stream } = sink();
    const log = createLogger({ format: 'json', stream, env: {}, now: () => new Date(0) }).child('launcher');
    log.info('cycle', { pending: 2 });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      scope: 'launcher',
      msg: 'cycle',
      pending: 2,
    });
  });

  it('redacts known secrets wherever they appear', () => {
    const { lines, stream } = sink();
    const log = createLogger({ stream, env: {}, secrets: ['glrt-SECRET'] });
    log.error('request failed with glrt-SECRET', { header: 'PRIVATE-TOKEN glrt-SECRET' });
    expect(lines.join('')).not.toContain('glrt-SECRET');
    expect(lines[0]).toContain('[redacted]');
  });

  it('prefixes child scopes', () => {
    const { lines, stream } = sink();
    createLogger({ stream, env: {} }).child('a').child('b').info('m');
    expect(lines).toEqual(['a: b: m\n']);
  });
});

describe('levelFromFlags and useColor', () => {
  it.each([
    [0, false, 'info'],
    [1, false, 'verbose'],
    [2, false, 'debug'],
    [5, false, 'debug'],
    [0, true, 'warn'],
  ] as const)('maps -v x%i, quiet=%s to %s', (v, q, level) => {
    expect(levelFromFlags(v, q)).toBe(level);
  });

  it('honours FORCE_COLOR on a pipe', () => {
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});
