import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../test/launcher-harness.js';
import { emptyState } from './state.js';
import { TokenCheck } from './token-check.js';

function setup(tokens: Record<string, string>, refused: Set<string>) {
  const lines: Parameters<typeof recordingLogger>[0] = [];
  const asked: string[] = [];
  const failing = new Set<string>();
  const check = new TokenCheck(
    {
      tokens: async () => ({ ...tokens }),
      verify: async (token) => {
        asked.push(token);
        if (failing.has(token)) throw new Error('GitLab is unreachable');
        return !refused.has(token);
      },
      intervalMs: 60_000,
    },
    recordingLogger(lines),
  );
  return { check, lines, asked, failing, state: emptyState(), signal: new AbortController().signal };
}

const at = (seconds: number) => new Date(Date.UTC(2024, 5, 1, 10, 0, seconds));

describe('TokenCheck', () => {
  it('asks at the first check, then at most once per interval, and at once after a recheck or a new token', async () => {
    const tokens = { cpu: 'glrt-cpu-1', gpu: 'glrt-gpu-1' };
    const t = setup(tokens, new Set());
    await t.check.check(t.state, ['cpu', 'gpu'], at(0), t.signal);
    expect(t.asked).toEqual(['glrt-cpu-1', 'glrt-gpu-1']);
    await t.check.check(t.state, ['cpu', 'gpu'], at(30), t.signal);
    expect(t.asked).toHaveLength(2);
    t.check.recheck('gpu');
    tokens.cpu = 'glrt-cpu-2';
    await t.check.check(t.state, ['cpu', 'gpu'], at(31), t.signal);
    expect(t.asked.slice(2)).toEqual(['glrt-cpu-2', 'glrt-gpu-1']);
    await t.check.check(t.state, ['cpu', 'gpu'], at(92), t.signal);
    expect(t.asked.slice(4)).toEqual(['glrt-cpu-2', 'glrt-gpu-1']);
  });

  it('records a refused token, logs it once with the fix, and forgets it once GitLab accepts a new one', async () => {
    const tokens = { cpu: 'glrt-cpu-1' };
    const t = setup(tokens, new Set(['glrt-cpu-1']));
    await t.check.check(t.state, ['cpu'], at(0), t.signal);
    await t.check.check(t.state, ['cpu'], at(61), t.signal);
    expect(t.state.refusedTokens).toEqual({
      cpu: { since: at(0).toISOString(), checkedAt: at(61).toISOString() },
    });
    const errors = t.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/instance cpu .*gitlab-meta-runner configure/);
    expect(errors[0]!.fields).toMatchObject({ instance: 'cpu', code: 'MR_LAUNCH_TOKEN_REFUSED' });

    tokens.cpu = 'glrt-cpu-2';
    await t.check.check(t.state, ['cpu'], at(62), t.signal);
    expect(t.state.refusedTokens).toEqual({});
    expect(t.lines.at(-1)).toMatchObject({ level: 'info', fields: { instance: 'cpu' } });
  });

  it('keeps the last verdict when GitLab cannot be asked, and asks again next time', async () => {
    const t = setup({ cpu: 'glrt-cpu-1' }, new Set(['glrt-cpu-1']));
    await t.check.check(t.state, ['cpu'], at(0), t.signal);
    t.failing.add('glrt-cpu-1');
    t.check.recheck('cpu');
    await t.check.check(t.state, ['cpu'], at(1), t.signal);
    expect(t.state.refusedTokens.cpu?.checkedAt).toBe(at(0).toISOString());
    expect(t.lines.at(-1)).toMatchObject({ level: 'warn' });
    t.failing.clear();
    await t.check.check(t.state, ['cpu'], at(2), t.signal);
    expect(t.asked).toHaveLength(3);
    expect(t.state.refusedTokens.cpu?.checkedAt).toBe(at(2).toISOString());
  });

  it('forgets refusals of instances no longer in the config', async () => {
    const t = setup({}, new Set());
    t.state.refusedTokens.old = { since: at(0).toISOString(), checkedAt: at(0).toISOString() };
    await t.check.check(t.state, ['cpu'], at(1), t.signal);
    expect(t.state.refusedTokens).toEqual({});
  });

  it('checks resource runners too: a refused one is returned with its token to register again, not kept as refused', async () => {
    const tokens: Record<string, string> = { flex: 'glrt-flex', 'flex.cpus-4': 'glrt-set-1' };
    const refused = new Set(['glrt-set-1']);
    const t = setup(tokens, refused);
    const first = await t.check.check(t.state, ['flex'], at(0), t.signal, ['flex.cpus-4', 'flex.gpus-1']);
    expect(first.refusedResourceRunners).toEqual(new Map([['flex.cpus-4', 'glrt-set-1']]));
    expect(t.state.refusedTokens).toEqual({});
    expect(t.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/resource runner flex\.cpus-4 .*: it is registered again$/),
        fields: expect.objectContaining({ instance: 'flex.cpus-4', code: 'MR_LAUNCH_TOKEN_REFUSED' }),
      }),
    ]);
    // Asked again at every check until a new token replaces it; logged once.
    const again = await t.check.check(t.state, ['flex'], at(1), t.signal, ['flex.cpus-4']);
    expect([...again.refusedResourceRunners.keys()]).toEqual(['flex.cpus-4']);
    expect(t.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    tokens['flex.cpus-4'] = 'glrt-set-2';
    const renewed = await t.check.check(t.state, ['flex'], at(2), t.signal, ['flex.cpus-4']);
    expect(renewed.refusedResourceRunners.size).toBe(0);
    // The new token, accepted, waits for the interval like an instance's.
    await t.check.check(t.state, ['flex'], at(3), t.signal, ['flex.cpus-4']);
    expect(t.asked).toEqual(['glrt-flex', 'glrt-set-1', 'glrt-set-1', 'glrt-set-2']);
    expect(JSON.stringify(t.lines)).not.toContain('glrt-');
  });
});
