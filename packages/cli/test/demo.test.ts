import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readZip } from '@mr/gitlab-simulator';
import { isolationUnavailable, makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

const notIsolated = isolationUnavailable();
if (notIsolated && process.env.CI)
  throw new Error(`${notIsolated}: CI must run the demo with isolated images (.ci/run installs it)`);

describe('gitlab-meta-runner demo', () => {
  it('configures runners and runs the launcher until every matchable job is done', async () => {
    const result = await runCli(['demo', '--jobs', '5'], { timeout: 300_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('== configure');
    expect(result.stdout).toContain('created: cpu, gpu');
    expect(result.stdout).toMatch(/done {3}5\/5/);
    expect(result.stdout).toMatch(/All 5 matchable jobs done in [\d.]+ s by \d+ launches/);
    expect(result.stdout).toContain('1 job left pending: no runner instance has the tags arm64');
    expect(result.stderr).toMatch(/matches no runner instance.*tags=arm64/);
    // Each job ran its script: states and log tails come back from the runner.
    expect(result.stdout).toMatch(/pass-1 \(job \d+\): success/);
    expect(result.stdout).toMatch(/fail-2 \(job \d+\): failed with exit code 3\n/);
    expect(result.stdout).toMatch(
      /allowed-to-fail-3 \(job \d+\): failed with exit code 4 \(allowed to fail\)/,
    );
    expect(result.stdout).toMatch(/cache-and-artifact-4 \(job \d+\): success/);
    expect(result.stdout).toContain('after_script sees CI_JOB_STATUS=failed');
    expect(result.stdout + result.stderr).not.toMatch(/glpat-|glrt-/);
    // The jobs ran through our executor in the stand-in apptainer's images, isolated where the machine can.
    if (notIsolated) {
      expect(result.stdout).toContain(`on this host, not isolated (${notIsolated}`);
      expect(result.stdout).toContain('the build works, in the image (none: not isolated)');
    } else {
      expect(result.stdout).toContain('isolated with bubblewrap in busybox root filesystems');
      expect(result.stdout).toContain('the build works, in the image alpine:3.20');
    }
    expect(result.stdout).toMatch(/artifact artifacts\.zip \(zip, \d+ bytes\) stored in the simulator/);
  }, 320_000);

  it('keeps its files with --keep: every job log as a file, the artifacts, and status reads them', async () => {
    const dir = join(makeTempDir(), 'demo');
    const result = await runCli(['demo', '--jobs', '5', '--keep', '--dir', dir], { timeout: 300_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Files, kept in ${dir}`);
    expect(result.stdout).toContain(`job logs: ${join(dir, 'logs')}`);
    const logs = readdirSync(join(dir, 'logs')).sort();
    expect(logs).toHaveLength(5);
    for (const log of logs) expect(result.stdout).toContain(`log: ${join(dir, 'logs', log)}`);
    const log = (name: string) =>
      readFileSync(join(dir, 'logs', logs.find((l) => l.endsWith(`-${name}.log`))!), 'utf8');
    // Each log is the whole job: the stages' real output and the final state.
    expect(log('pass-1')).toContain('Job succeeded');
    expect(log('pass-1')).toContain('A project of the GitLab simulator');
    expect(log('fail-2')).toContain('ERROR: Job failed: exit code 3');
    expect(log('after-script-5')).toContain('after_script sees CI_JOB_STATUS=failed');
    const [artifact] = readdirSync(join(dir, 'artifacts'));
    const report = readZip(readFileSync(join(dir, 'artifacts', artifact!))).find(
      (e) => e.name === 'out/report.txt',
    );
    expect(report?.data.length).toBeGreaterThan(0);
    const tokens = join(dir, 'data', 'demo.tokens');
    expect(statSync(tokens).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'data', 'demo.gitlab-config.toml'))).toBe(true);
    // status needs no management token: DEMO_GITLAB_TOKEN is not set here.
    const status = await runCli([
      'status',
      '--config-file',
      join(dir, 'config.toml'),
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/cpu: runner id \d+/);
  }, 320_000);

  it('rejects a job count out of range with a usage error', async () => {
    const result = await runCli(['demo', '--jobs', '0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--jobs takes a whole number from 1 to 200');
  });
});
