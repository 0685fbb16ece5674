// doctor --batch never leaves processes behind: a node whose tools hang is reported within --batch-timeout
// and everything the probe started there is killed; a doctor stopped while it waits prints what it found.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processRunning } from '@mr/node-kit';
import { describe, expect, it } from 'vitest';
import { doctorFixture, editConfig } from './doctor-fixture.js';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

const pids = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];

/**
 * A tool that never answers: it records its pid and that of a child that holds its output open, then waits
 * for that child (ten minutes).
 */
function hang(f: LaunchFixture, name: string): string {
  const file = join(f.dir, `${name}.pids`);
  // Whatever a failed test left running.
  harness.cleanup(() => {
    for (const pid of pids(file)) kill(pid);
  });
  writeFileSync(
    join(f.binDir, name),
    `#!/bin/sh\nsleep 600 &\necho $! >> '${file}'\necho $$ >> '${file}'\nwait\n`,
  );
  chmodSync(join(f.binDir, name), 0o755);
  return file;
}

async function setup() {
  return harness.closeAfter(await doctorFixture());
}

describe('doctor --batch within its time', () => {
  it('reports a gitlab-runner and an apptainer that hang, within --batch-timeout, and kills what they started', async () => {
    const f = await setup();
    const runner = hang(f, 'gitlab-runner');
    const apptainer = hang(f, 'apptainer');
    const result = f.cli(['doctor', '--json', '--batch', 'cpu', '--batch-timeout', '40'], {
      timeout: 170_000,
    });
    const done = await result;
    const checks = JSON.parse(String(done.stdout)).checks as {
      id: string;
      status: string;
      summary: string;
    }[];
    const byId = (id: string) => checks.find((c) => c.id === id);
    expect(byId('batch.report')?.status).toBe('ok');
    expect(byId('node.gitlab-runner')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/gitlab-runner --version did not finish within 10 s \(it was stopped/),
    });
    expect(byId('node.container-tool')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/apptainer --version did not finish within 10 s/),
    });
    expect(done.exitCode).toBe(1);
    // Both tools and the children holding their output: 4 processes, none left.
    const started = [...pids(runner), ...pids(apptainer)];
    expect(started).toHaveLength(4);
    await eventually(() => started.every((pid) => !processRunning(pid)), 30_000, 'the hung processes to end');
  }, 200_000);

  it('prints the checklist when stopped (SIGTERM) while it waits for a probe job that does not report', async () => {
    const f = await setup();
    editConfig(f, 'executable = "bg-submit"', 'executable = "true"');
    const child = f.cli(['doctor', '--json', '--batch', '--batch-timeout', '600'], { timeout: 170_000 });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await eventually(() => /waiting up to 600 s for the probe job/.test(stderr), 60_000, 'the wait');
    child.kill('SIGTERM');
    const done = await child;
    expect(done.exitCode).toBe(1);
    const report = JSON.parse(String(done.stdout));
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: { id: string }) => c.id === 'batch.report')).toMatchObject({
      status: 'fail',
      summary: 'stopped while waiting for the probe job to report',
    });
  }, 200_000);
});
