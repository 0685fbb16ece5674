import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitUntil } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { processEnvironment, processRunning, processUid } from './proc.js';
import { descendants, killProcesses, signalAll, signalGroup, waitGone } from './process-tree.js';

/** Starts `sh` with a grandchild and waits until both have reported their pids on stdout. */
async function tree(detached: boolean) {
  const child = spawn('sh', ['-c', 'sh -c "echo \\$\\$; exec sleep 300" & echo $$; wait'], {
    detached,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.trim().split('\n').length >= 2) break;
  }
  const pids = out.trim().split('\n').map(Number);
  return { child, grandchild: pids.find((pid) => pid !== child.pid)! };
}

describe('process trees', () => {
  it('finds the descendants of a process and signals them all', async () => {
    const { child, grandchild } = await tree(false);
    expect(descendants(child.pid!)).toContain(grandchild);
    expect(descendants(process.pid)).toEqual(expect.arrayContaining([child.pid, grandchild]));
    signalAll([grandchild, child.pid!, 999_999_999], 'SIGKILL');
    await once(child, 'exit');
    await waitUntil(() => !processRunning(grandchild), 20_000, 'the grandchild to end');
  });

  it('signals a whole process group, and ignores a group that is gone', async () => {
    const { child, grandchild } = await tree(true);
    signalGroup(child.pid!, 'SIGKILL');
    await once(child, 'exit');
    await waitUntil(() => !processRunning(grandchild), 20_000, 'the grandchild to end');
    expect(() => signalGroup(child.pid!, 'SIGKILL')).not.toThrow();
  });

  it('waits until killed processes are gone, and names those still running at the deadline', async () => {
    const { child, grandchild } = await tree(false);
    expect(await waitGone([grandchild], 50)).toEqual([grandchild]);
    signalAll([grandchild, child.pid!], 'SIGKILL');
    expect(await waitGone([grandchild, child.pid!])).toEqual([]);
    expect(processRunning(grandchild)).toBe(false);
  });

  it('kills a tree that keeps forking, including what forked while it was being stopped', async () => {
    const child = spawn('sh', ['-c', 'while :; do sleep 30 & sleep 0.01; done'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, NODE_KIT_TEST_MARK: 'forking' },
    });
    await waitUntil(() => descendants(child.pid!).length >= 3, 20_000, 'the forks');
    expect(processEnvironment(child.pid!)).toContain('NODE_KIT_TEST_MARK=forking');
    expect(processUid(child.pid!)).toBe(process.getuid!());
    const killed = await killProcesses(() => [child.pid!, ...descendants(child.pid!)]);
    expect(killed.length).toBeGreaterThanOrEqual(3);
    expect(killed.filter(processRunning)).toEqual([]);
    expect(processEnvironment(999_999_999)).toBeUndefined();
  });
});
