import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { processRunning } from '@mr/node-kit/proc';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from './run-process.js';

afterAll(removeTempDirs);

const env = { PATH: process.env.PATH };
async function waitUntil(check: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('running a launch command', () => {
  it('feeds stdin, runs in the working directory and returns output and exit code', async () => {
    const dir = makeTempDir();
    const result = await runProcess({
      file: 'sh',
      args: ['-c', 'cat > got.txt; echo out; echo err >&2; exit 3'],
      cwd: dir,
      input: 'the script\n',
      env,
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(readFileSync(join(dir, 'got.txt'), 'utf8')).toBe('the script\n');
  });

  it('passes only the given environment', async () => {
    const result = await runProcess({
      file: 'sh',
      args: ['-c', 'echo "${SECRET-unset} $ONLY"'],
      env: { ...env, ONLY: 'x' },
    });
    expect(result.stdout).toBe('unset x\n');
  });

  it('stops the command when the timeout passes', async () => {
    const result = await runProcess({ file: 'sleep', args: ['300'], env, timeoutMs: 300, killGraceMs: 200 });
    expect(result).toMatchObject({ timedOut: true, cancelled: false, exitCode: undefined });
  });

  it('kills the whole process tree when it stops the command', async () => {
    const pidFile = join(makeTempDir(), 'child.pid');
    const controller = new AbortController();
    // The command reports "ready" (its child's pid) once the tree exists; only then is it stopped.
    const running = runProcess({
      file: 'sh',
      args: ['-c', `sleep 300 & echo $! > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; wait`],
      env,
      killGraceMs: 200,
      cancelSignal: controller.signal,
    });
    expect(await waitUntil(() => existsSync(pidFile))).toBe(true);
    controller.abort();
    expect(await running).toMatchObject({ cancelled: true, exitCode: undefined });
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitUntil(() => !processRunning(child))).toBe(true);
  });

  it('uses SIGKILL when the command ignores SIGTERM', async () => {
    const ready = join(makeTempDir(), 'ready');
    const controller = new AbortController();
    // The command reports "ready" once its SIGTERM trap is installed; only then is it stopped.
    const running = runProcess({
      file: 'sh',
      args: ['-c', `trap "" TERM; touch ${ready}; while :; do sleep 0.05; done`],
      env,
      killGraceMs: 200,
      cancelSignal: controller.signal,
    });
    expect(await waitUntil(() => existsSync(ready))).toBe(true);
    controller.abort();
    expect(await running).toMatchObject({ cancelled: true, signal: 'SIGKILL' });
  });

  it('terminates the tree when cancelled', async () => {
    const controller = new AbortController();
    const running = runProcess({ file: 'sleep', args: ['300'], env, cancelSignal: controller.signal });
    controller.abort();
    expect(await running).toMatchObject({ cancelled: true, timedOut: false, spawnError: undefined });
  });

  it('reports a command that cannot be started', async () => {
    const result = await runProcess({ file: 'no-such-launch-command-here', args: [], env });
    expect(result.spawnError?.message).toMatch(/ENOENT/);
    expect(result.exitCode).toBeUndefined();
  });

  it('reports a missing working directory as a start failure', async () => {
    const result = await runProcess({ file: 'true', args: [], env, cwd: '/no/such/dir/anywhere' });
    expect(result.spawnError).toBeDefined();
    expect(existsSync('/no/such/dir/anywhere')).toBe(false);
  });
});
