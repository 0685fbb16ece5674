import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { commandProcess, LAUNCH_ID_VARIABLE, launchCommandStates } from './launch-command-check.js';
import type { LaunchRecord } from './state.js';

const record = (id: string, extra: Partial<LaunchRecord> = {}): LaunchRecord => ({
  id,
  instance: 'cpu',
  numJobs: 1,
  jobIds: [1],
  launchedAt: new Date().toISOString(),
  phase: 'starting',
  ...extra,
});

/** A process that waits on its stdin until the test closes it. */
function waiter(env: Record<string, string> = {}) {
  const child = spawn('sh', ['-c', 'read _'], { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' });
  const stop = () => {
    child.stdin.end();
    return once(child, 'exit');
  };
  return { child, stop };
}

describe.skipIf(process.platform !== 'linux')('finding launch commands from before a restart', () => {
  it('finds a command by the launch id in its environment, and not once it ended', async () => {
    const r = record(`test-${process.pid}-env`);
    const w = waiter({ [LAUNCH_ID_VARIABLE]: r.id });
    await once(w.child, 'spawn');
    expect(launchCommandStates([r]).get(r)).toBe('running');
    await w.stop();
    expect(launchCommandStates([r]).get(r)).toBe('gone');
  });

  it('finds a command by its recorded process, and tells a reused pid by its start time', async () => {
    const w = waiter();
    await once(w.child, 'spawn');
    const r = record('by-pid', { command: commandProcess(w.child.pid!) });
    const reused = record('reused', { command: { ...commandProcess(w.child.pid!), startTime: '1' } });
    const states = launchCommandStates([r, reused]);
    expect(states.get(r)).toBe('running');
    expect(states.get(reused)).toBe('gone');
    await w.stop();
    expect(launchCommandStates([r]).get(r)).toBe('gone');
  });

  it('cannot tell about a command started on another host', () => {
    const r = record('elsewhere', { command: { host: 'another-host.invalid', pid: process.pid } });
    expect(launchCommandStates([r]).get(r)).toBe('unknown');
  });
});
