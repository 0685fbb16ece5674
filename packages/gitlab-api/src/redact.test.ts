import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';

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
