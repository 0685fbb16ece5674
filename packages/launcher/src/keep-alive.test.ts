import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../test/launcher-harness.js';
import { KeepAlive } from './keep-alive.js';

describe('KeepAlive', () => {
  it('returns the runners whose token GitLab refuses, and asks about them again at the next run', async () => {
    const lines: Parameters<typeof recordingLogger>[0] = [];
    const asked: string[] = [];
    const keepAlive = new KeepAlive(
      {
        tokens: async () => ({ flex: 'glrt-flex', 'flex.cpus-4': 'glrt-set' }),
        verify: async (token) => {
          asked.push(token);
          return token !== 'glrt-set';
        },
      },
      recordingLogger(lines),
      60_000,
    );
    const signal = new AbortController().signal;
    const waiting = new Map([
      ['flex', 1],
      ['flex.cpus-4', 2],
    ]);
    expect(await keepAlive.run(waiting, new Date(0), signal)).toEqual(['flex.cpus-4']);
    // The accepted one waits for the interval; the refused one counts as not contacted.
    expect(await keepAlive.run(waiting, new Date(1_000), signal)).toEqual(['flex.cpus-4']);
    expect(asked).toEqual(['glrt-flex', 'glrt-set', 'glrt-set']);
    const contacted = lines.filter((l) => l.message.startsWith('keep-alive: the runner contacted GitLab'));
    expect(contacted.map((l) => l.fields?.instance)).toEqual(['flex']);
    expect(JSON.stringify(lines)).not.toContain('glrt-');
  });
});
