import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const config = `
name = "hpc"
project = "group/project"
hostname = "gitlab.example.org"
management_token = "glpat-management-secret"

[runners.cpu]
tags = ["cpu"]

[runners.gpu]
tags = ["gpu"]

[poll]
interval = 30

[launch]
executable = "sbatch"

[runner]
builds_dir = "/tmp/builds"
cache_dir = "/tmp/cache"
executor = "shell"
`;

function setup() {
  const dir = makeTempDir();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  writeFileSync(join(dir, 'config.toml'), config);
  const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString();
  writeFileSync(
    join(dataDir, 'hpc.tokens'),
    `[cpu]\nid = 11\ntoken = "glrt-cpu-secret"\ntoken_expires_at = ${inTenDays}\n\n[old]\nid = 9\ntoken = "glrt-old-secret"\n`,
    { mode: 0o600 },
  );
  const now = Date.now();
  const state = {
    version: 1,
    launches: [
      {
        id: 'l1',
        instance: 'cpu',
        numJobs: 2,
        jobIds: [101, 102],
        launchedAt: new Date(now - 120_000).toISOString(),
        phase: 'submitted',
        batchJobId: '4711',
        batchState: 'queued',
      },
    ],
    backoff: { gpu: { failures: 2, until: new Date(now + 90_000).toISOString() } },
    reportedUnmatched: [],
    recentFailures: [
      { at: new Date(now - 5_000).toISOString(), instance: 'gpu', message: 'sbatch exited 1' },
    ],
  };
  writeFileSync(join(dataDir, 'hpc.state'), JSON.stringify(state));
  return { dir, dataDir, args: ['--config-file', join(dir, 'config.toml'), '--data-dir', dataDir] };
}

afterAll(removeTempDirs);

describe('gitlab-meta-runner status', () => {
  it('summarises runners in flight, backoff, failures and registrations without showing tokens', async () => {
    const { args } = setup();
    const result = await runCli(['status', ...args]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toContain('launcher: not running');
    expect(out).toContain('runners in flight: 1 (for up to 2 jobs)');
    expect(out).toMatch(/batch job 4711, queued, 2m\d*s? old, 2 job\(s\): 101, 102/);
    expect(out).toMatch(/gpu: 2 failed launch\(es\) in a row, next try in 1m/);
    expect(out).toContain('gpu: sbatch exited 1');
    expect(out).toMatch(/cpu: runner id 11, token expires .* \(in (9d|10d)/);
    expect(out).toContain('gpu: not registered');
    expect(out).toContain('old: runner id 9, token does not expire; not in the config any more');
    expect(out).not.toMatch(/glrt-|glpat-/);
  });

  it('prints JSON for scripts and shows a launcher that holds the lock', async () => {
    const { dataDir, args } = setup();
    const holder = { host: hostname(), pid: process.pid, since: new Date().toISOString(), token: 'x' };
    writeFileSync(join(dataDir, 'hpc.state.lock'), JSON.stringify(holder));
    const result = await runCli(['status', '--json', ...args]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.launcher).toMatchObject({ running: true, pid: process.pid, host: hostname() });
    expect(report.in_flight).toEqual([
      expect.objectContaining({ instance: 'cpu', batch_job_id: '4711', num_jobs: 2, job_ids: [101, 102] }),
    ]);
    expect(report.runners.map((r: { instance: string }) => r.instance)).toEqual(['cpu', 'gpu', 'old']);
    expect(result.stdout).not.toMatch(/glrt-|glpat-/);
  });

  it('takes the last value of a repeated option', async () => {
    const { dir, dataDir } = setup();
    const result = await runCli([
      'status',
      '--config-file',
      join(dir, 'config.toml'),
      '--data-dir',
      join(dir, 'elsewhere'),
      '--data-dir',
      dataDir,
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('runners in flight: 1');
  });

  it('works on an empty data directory', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'config.toml'), config);
    const result = await runCli([
      'status',
      '--config-file',
      join(dir, 'config.toml'),
      '--data-dir',
      join(dir, 'none'),
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('runners in flight: 0');
    expect(result.stdout).toContain('cpu: not registered');
  });

  it('exits 2 naming the file when the config is missing', async () => {
    const dir = makeTempDir();
    const result = await runCli(['status', '--config-file', join(dir, 'missing.toml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('missing.toml');
  });
});
