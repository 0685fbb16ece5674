import { describe, expect, it } from 'vitest';
import { containsSecret, REDACTED, Redactor, redactText } from './redact.js';

describe('Redactor', () => {
  it('removes registered secrets and anything shaped like a GitLab token', () => {
    const redactor = new Redactor(['my-plain-secret', undefined, 'ab']);
    expect(
      redactor.redact(
        'x my-plain-secret y glpat-AbCdEfGh12345678 z glrt-t1_abcdefgh12 GR1348941abcdefghij ab',
      ),
    ).toBe('x [redacted] y [redacted] z [redacted] [redacted] ab');
  });

  it('copies an error chain without secrets and without other properties', () => {
    const inner = Object.assign(new Error('inner glrt-secretsecret1'), {
      code: 'ECONNRESET',
      headers: { t: 'x' },
    });
    const outer = new Error('outer my-plain-secret', { cause: inner });
    const copy = new Redactor(['my-plain-secret']).sanitize(outer)!;
    expect(copy.message).toBe('outer [redacted]');
    expect(copy.stack).not.toContain('my-plain-secret');
    expect(copy.stack).toContain('outer [redacted]');
    const cause = copy.cause as Error & { code?: string; headers?: unknown };
    expect(cause.message).toBe('inner [redacted]');
    expect(cause.code).toBe('ECONNRESET');
    expect(cause.headers).toBeUndefined();
  });
});

describe('redactText', () => {
  it('replaces every occurrence of each secret of 4 characters or more, and leaves shorter ones', () => {
    expect(redactText('a hunter2 b hunter2 c abc', ['hunter2', 'abc', undefined, ''])).toBe(
      `a ${REDACTED} b ${REDACTED} c abc`,
    );
  });

  it('tells whether a text holds a secret', () => {
    expect(containsSecret('TOKEN=hunter2', ['hunter2'])).toBe(true);
    expect(containsSecret('TOKEN=abc', ['abc'])).toBe(false);
  });
});
