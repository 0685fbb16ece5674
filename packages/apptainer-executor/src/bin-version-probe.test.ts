// The container tool's `--version` is read until the tool exits, not until its output closes: a process it
// leaves behind (a site wrapper's background helper, say) holds the pipe open, and prepare must not wait
// for it; the step's end takes that process along. Driven through `mr-apptainer-executor` as gitlab-runner drives it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { setup } from '../test/bin-setup.js';

afterAll(removeTempDirs);

/** Running (a zombie waiting for its parent to reap it counts as ended). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('the container tool probe', () => {
  it('ends when the tool exits, while a process it left behind still holds its output open', async () => {
    const t = await setup();
    const marks = makeTempDir();
    const holderPid = join(marks, 'holder.pid');
    const gate = join(marks, 'gate');
    // Before the stand-in prints its version and exits, `--version` starts a process that keeps the
    // tool's stdout and stderr until the test opens the gate.
    const wrapper = readFileSync(t.apptainer.path, 'utf8').replace(
      /^exec /m,
      `if [ "$1" = --version ]; then\n  sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' '${gate}' &\n  echo $! > '${holderPid}'\nfi\nexec `,
    );
    writeFileSync(t.apptainer.path, wrapper);
    try {
      const job = t.session({ id: 301, image: 'alpine:3.20' }, { callTimeoutMs: 30_000 });
      expect((await job.config()).exitCode).toBe(0);
      // Without the bound the prepare call waits for the holder and is killed at callTimeoutMs.
      const prepare = await job.prepare();
      expect(prepare.exitCode, job.result.log).toBe(0);
      expect(t.apptainer.calls().filter((c) => c.op === 'version')).toHaveLength(1);
      // The gate never opened: prepare ended without the holder, and took it along as a process of its step.
      expect(existsSync(gate)).toBe(false);
      expect(alive(Number(readFileSync(holderPid, 'utf8')))).toBe(false);
      expect((await job.run('build_script', 'echo built')).exitCode).toBe(0);
      expect(job.result.log).toContain('built');
      expect((await job.cleanup()).exitCode).toBe(0);
    } finally {
      writeFileSync(gate, '');
      // A failed run leaves the holder: it must not outlive the test.
      if (existsSync(holderPid)) {
        const pid = Number(readFileSync(holderPid, 'utf8'));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });
});
