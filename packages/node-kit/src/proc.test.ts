import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listProcesses, processAlive, processRunning, processStat } from './proc.js';

describe('/proc reads', () => {
  it('reads state, parent, group and start time of a process, also with spaces and parentheses in its name', async () => {
    // `exec -a` renames the process, so its stat line has a command name with ") (" inside.
    const child = spawn('bash', ['-c', 'exec -a "odd ) (name" sleep 300'], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      const stat = processStat(child.pid!);
      expect(stat).toMatchObject({
        pid: child.pid,
        ppid: process.pid,
        state: expect.stringMatching(/^[RSD]$/),
      });
      expect(stat?.startTime).toMatch(/^\d+$/);
      expect(processStat(process.pid)?.startTime).not.toBe(undefined);
      expect(listProcesses().some((p) => p.pid === child.pid && p.ppid === process.pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('tells running, ended and never-existing processes apart', () => {
    const ended = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(processAlive(process.pid)).toBe(true);
    expect(processRunning(process.pid)).toBe(true);
    expect(processAlive(ended)).toBe(false);
    expect(processRunning(ended)).toBe(false);
    expect(processStat(ended)).toBeUndefined();
  });
});
