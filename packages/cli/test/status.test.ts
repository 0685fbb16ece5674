import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

/** The config; `executable` is the launch executable (an absolute `sbatch` makes status ask the `squeue` beside it). */
const configText = (executable: string) => `
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
executable = ${JSON.stringify(executable)}

[runner]
builds_dir = "/tmp/builds"
cache_dir = "/tmp/cache"
executor = "shell"
`;

/**
 * A bin directory with an `sbatch` that must not run and a `squeue` playing Slurm with `script` (it gets
 * squeue's arguments). Returns the path of that `sbatch`.
 */
function fakeSlurm(dir: string, squeue: string): string {
  const bin = join(dir, 'slurm-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\necho "sbatch must not run" >&2\nexit 99\n');
  writeFileSync(join(bin, 'squeue'), `#!/bin/sh\n${squeue}\n`);
  for (const f of ['sbatch', 'squeue']) chmodSync(join(bin, f), 0o755);
  return join(bin, 'sbatch');
}

/** squeue of a Slurm whose queue is empty. */
const emptyQueue = 'exit 0';

function setup(squeue = emptyQueue, batchJobId = '4711') {
  const dir = makeTempDir();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  writeFileSync(join(dir, 'config.toml'), configText(fakeSlurm(dir, squeue)));
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
        batchJobId,
        batchState: 'queued',
      },
    ],
    backoff: { gpu: { failures: 2, until: new Date(now + 90_000).toISOString() } },
    reportedUnmatched: [],
    recentFailures: [
      { at: new Date(now - 5_000).toISOString(), instance: 'gpu', message: 'sbatch exited 1' },
    ],
  };
  const stateFile = join(dataDir, 'hpc.state');
  writeFileSync(stateFile, JSON.stringify(state));
  return {
    dir,
    dataDir,
    stateFile,
    args: ['--config-file', join(dir, 'config.toml'), '--data-dir', dataDir],
  };
}

afterAll(removeTempDirs);

describe('gitlab-meta-runner status', { timeout: 90_000 }, () => {
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

  it('shows the pending jobs of the last cycle and the pickup times the launcher kept', async () => {
    const { args, stateFile } = setup();
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const at = new Date(Date.now() - 3_000).toISOString();
    state.lastCycle = { at, pending: 3, matched: { cpu: 2, gpu: 0 }, unmatched: 1 };
    state.recentPickups = [1, 2, 9].map((seconds, i) => ({ at, instance: 'cpu', job: 100 + i, seconds }));
    writeFileSync(stateFile, JSON.stringify(state));
    const result = await runCli(['status', ...args]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/last cycle \d+s ago: 3 pending \(cpu 2\), 1 unmatched/);
    expect(result.stdout).toMatch(/cpu: median 2s, max 9s over 3 job\(s\); latest 9s, \d+s ago/);
    const json = JSON.parse((await runCli(['status', '--json', ...args])).stdout);
    expect(json.pickups).toEqual([
      { instance: 'cpu', jobs: 3, median_seconds: 2, max_seconds: 9, last_seconds: 9, last_at: at },
    ]);
    expect(json.last_cycle).toMatchObject({ pending: 3, unmatched: 1 });
  });

  it('refuses --interval without --watch, and an interval that is no duration', async () => {
    const { args } = setup();
    const alone = await runCli(['status', '--interval', '5s', ...args]);
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain('--interval is for --watch');
    const bad = await runCli(['status', '--watch', '--interval', 'soon', ...args]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--interval takes a duration');
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
    writeFileSync(join(dir, 'config.toml'), configText(fakeSlurm(dir, emptyQueue)));
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
    expect(result.stdout).toMatch(
      /launch state: none yet \(.*hpc\.state does not exist: nothing was launched\)/,
    );
  });

  it('exits 2 naming the file when the config is missing', async () => {
    const dir = makeTempDir();
    const result = await runCli(['status', '--config-file', join(dir, 'missing.toml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('missing.toml');
  });

  it('says how old the launch state is', async () => {
    const { args, stateFile } = setup();
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stateFile, hourAgo, hourAgo);
    const text = await runCli(['status', ...args]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain(`launch state: ${stateFile}, last changed 1h0m ago`);
    const json = await runCli(['status', '--json', ...args]);
    const age = JSON.parse(json.stdout).state_file_age_seconds;
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3600 + 600);
  });

  it('asks squeue whether a recorded batch job still runs', async () => {
    const { args } = setup(`echo "$*" >> "$(dirname "$0")/squeue.args"\necho '4711|RUNNING|'`);
    const result = await runCli(['status', ...args]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/batch job 4711, queued, .*; now: running/);
    expect(result.stdout).toContain('Slurm queue (squeue): asked just now for cpu, gpu');
    const json = JSON.parse((await runCli(['status', '--json', ...args])).stdout);
    expect(json.in_flight[0].live_state).toBe('running');
    expect(json.live_check).toEqual([{ kind: 'slurm', instances: ['cpu', 'gpu'], ok: true }]);
  });

  it('says a recorded batch job has ended when squeue no longer lists it', async () => {
    const { args } = setup(emptyQueue);
    const result = await runCli(['status', ...args]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/batch job 4711, .*; now: no longer in the batch queue \(ended\)/);
  });

  it('says it could not ask Slurm, shows the recorded state and still exits 0', async () => {
    const { args } = setup('echo "slurm_load_jobs error: Unable to contact slurm controller" >&2\nexit 1');
    const result = await runCli(['status', ...args]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/batch job 4711, queued, \S+ old, 2 job\(s\): 101, 102\n/);
    expect(result.stdout).toMatch(
      /Slurm queue \(squeue\): could not ask, so the runners above are as last recorded: .*Unable to contact slurm controller/,
    );
    const json = JSON.parse((await runCli(['status', '--json', ...args])).stdout);
    expect(json.live_check[0]).toMatchObject({ kind: 'slurm', ok: false });
    expect(json.in_flight[0].live_state).toBeUndefined();
  });
});

// The real Slurm of this machine (scripts/slurm/start.sh; CI starts it): skipped, with the reason, without it.
const noSlurm = (() => {
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
  if (ping.error || ping.status !== 0 || !/UP/.test(ping.stdout)) return 'slurmctld does not answer';
  return undefined;
})();

describe.skipIf(noSlurm !== undefined)(
  `gitlab-meta-runner status on a real Slurm${noSlurm ? ` (skipped: ${noSlurm})` : ''}`,
  () => {
    it('shows a recorded batch job as queued or running while Slurm has it, and as ended after scancel', async () => {
      const submit = spawnSync(
        'sbatch',
        ['--parsable', '--job-name=mr-status-test', '--output=/dev/null', '--wrap', 'sleep 600'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(submit.status, submit.stderr).toBe(0);
      const id = submit.stdout.trim().split(';')[0]!;
      try {
        const { dir, args } = setup(emptyQueue, id);
        // The plain name: the squeue in PATH, the real one.
        writeFileSync(join(dir, 'config.toml'), configText('sbatch'));
        const live = await runCli(['status', '--json', ...args], { timeout: 60_000 });
        expect(live.exitCode, live.stderr).toBe(0);
        expect(['queued', 'running']).toContain(JSON.parse(live.stdout).in_flight[0].live_state);

        spawnSync('scancel', [id], { timeout: 30_000 });
        // scancel returns before squeue stops listing the job: ask until it says ended, with a generous deadline.
        const deadline = Date.now() + 60_000;
        let state: string | undefined;
        while (Date.now() < deadline) {
          const after = await runCli(['status', '--json', ...args], { timeout: 60_000 });
          state = JSON.parse(after.stdout).in_flight[0].live_state;
          if (state === 'ended') break;
        }
        expect(state).toBe('ended');
      } finally {
        spawnSync('scancel', [id], { timeout: 30_000 });
      }
    }, 180_000);
  },
);
