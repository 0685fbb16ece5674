import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeLaunchers, launcherFor, setup } from '../test/launcher-harness.js';
import { loadState } from './state-file.js';

afterAll(removeTempDirs);
afterEach(closeLaunchers);

describe('a launch command', () => {
  it('keeps tokens out of the launch environment and out of what it logs', async () => {
    const s = setup({
      submitBody: `#!/bin/sh\necho "launch refused for token glrt-very-secret-token" >&2\necho "stdout glrt-very-secret-token"\nexit 4\n`,
    });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    const result = await launcher.cycle();
    expect(result.failed).toBe(1);
    const text = JSON.stringify(s.lines);
    expect(text).not.toContain('glrt-very-secret-token');
    expect(text).toContain('launch refused for token [redacted]');
    expect(result.failures[0]?.error).toMatchObject({ code: 'MR_LAUNCH_FAILED', exitCode: 4 });
  });

  it('passes the environment without the variables that hold a secret', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    expect(s.batch.launches()[0]?.split('|')[3]).toBe('none');
  });
});

describe('a failing launch', () => {
  it('logs exit code, stdout and stderr, records no launch and backs the instance off', async () => {
    const s = setup({
      submitBody: '#!/bin/sh\necho partial output\necho "sbatch: error: invalid partition" >&2\nexit 1\n',
    });
    s.jobs.push({ id: 1, tag_list: ['cpu'] }, { id: 2, tag_list: ['cpu'] }, { id: 3, tag_list: ['gpu'] });
    const launcher = await launcherFor({ ...s.options, settings: { ...s.options.settings, concurrency: 1 } });
    const result = await launcher.cycle();
    // gpu first (priority), then one cpu launch; the second cpu launch waits for the backoff.
    expect(result).toMatchObject({ failed: 2, launched: 0, inFlight: 0 });
    const errors = s.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).toContain('  stdout: partial output');
    expect(errors).toContain('  stderr: sbatch: error: invalid partition');
    expect(s.lines.find((l) => l.level === 'error')?.fields).toMatchObject({
      exit_code: 1,
      code: 'MR_LAUNCH_FAILED',
    });
    const state = await loadState(s.options.stateFile);
    expect(state.launches).toEqual([]);
    expect(state.backoff.cpu).toEqual({ failures: 1, until: '2024-06-01T10:00:30.000Z' });

    // Within the backoff nothing is launched; after it, one try, and the wait doubles.
    expect((await launcher.cycle()).failed).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 31_000);
    expect((await launcher.cycle()).failed).toBe(2);
    expect((await loadState(s.options.stateFile)).backoff.cpu?.failures).toBe(2);
  });

  it('stops a launch command that hangs past its timeout, with its child processes', async () => {
    const s = setup();
    const ready = join(s.dir, 'ready');
    const pidFile = join(s.dir, 'child.pid');
    writeFileSync(
      s.batch.submit,
      `#!/bin/sh\necho started\nsleep 300 &\necho $! > ${pidFile}\ntouch ${ready}\nwait\n`,
    );
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor({
      ...s.options,
      killGraceMs: 200,
      settings: { ...s.options.settings, timeoutMs: 300 },
    });
    // The launch timeout runs on a fake clock: it passes once the command reports "ready" (it printed its
    // output and started its child), however long the start took on a busy machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const cycle = launcher.cycle();
      await waitUntil(() => existsSync(ready), 20_000, 'the launch command to start');
      vi.advanceTimersByTime(300);
      const result = await cycle;
      expect(result.failures[0]?.error).toMatchObject({ code: 'MR_LAUNCH_TIMEOUT', stdout: 'started\n' });
    } finally {
      vi.useRealTimers();
    }
    const child = Number(readFileSync(pidFile, 'utf8'));
    const gone = () => {
      try {
        return /\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return true;
      }
    };
    await waitUntil(gone, 20_000, "the launch command's child to end");
  });

  it('reports a launch command that cannot be started', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor({
      ...s.options,
      launchSettings: () => ({ executable: join(s.dir, 'missing-sbatch'), args: [] }),
    });
    const result = await launcher.cycle();
    expect(result.failures[0]?.error.code).toBe('MR_LAUNCH_SPAWN');
  });

  it('counts a launch that printed no job id until pickup_timeout', async () => {
    const s = setup({ submitBody: '#!/bin/sh\ncat >/dev/null\necho "runner started in the background"\n' });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    expect((await launcher.cycle()).launched).toBe(1);
    expect(s.lines.some((l) => l.level === 'warn' && /printed no job id/.test(l.message))).toBe(true);
    expect((await launcher.cycle()).launched).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 600_000);
    expect((await launcher.cycle()).launched).toBe(1);
  });
});
