import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, writeDevBin } from '@mr/test-support';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';
import { writeRunnerStandin } from './standin-wrapper.js';

let sim: GitLabSimulator;
let dir: string;
let gitlabRunner: string;

beforeAll(async () => {
  sim = await startSimulator();
  dir = makeTempDir();
  gitlabRunner = writeDevBin(dir, 'mr-gitlab-runner-standin', 'gitlab-runner');
});
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});

function writeConfig(entries: { name: string; token: string; id?: number }[]): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.toml`);
  const runners = entries
    .map(
      (e) =>
        `[[runners]]\nname = "${e.name}"\nurl = "${sim.url}"\n${e.id ? `id = ${e.id}\n` : ''}token = "${e.token}"\nexecutor = "custom"\n`,
    )
    .join('\n');
  writeFileSync(file, `concurrent = 1\n\n${runners}`);
  chmodSync(file, 0o600);
  return file;
}

/** Runs the wrapper named `gitlab-runner`, as a launch script would. */
function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      gitlabRunner,
      args,
      {
        env: { PATH: process.env.PATH, HOME: dir, MR_STANDIN_JOB_MS: '10', MR_STANDIN_POLL_MS: '20', ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

describe('the gitlab-runner stand-in', () => {
  it('takes up to --max-builds matching jobs with the named runner and reports them done', async () => {
    const project = sim.addProject({ path: 'standin/max-builds' });
    const jobs = sim.addJobs(Array.from({ length: 3 }, () => ({ projectId: project.id, tags: ['cpu'] })));
    const cpu = sim.addRunner({ projectId: project.id, tags: ['cpu'] });
    const other = sim.addRunner({ projectId: project.id, tags: ['gpu'] });
    const config = writeConfig([
      { name: 'gpu', token: other.token },
      { name: 'cpu', token: cpu.token, id: cpu.id },
    ]);
    const record = join(dir, 'record.jsonl');
    const result = await run(
      ['run-single', '--config', config, '--runner', 'cpu', '--max-builds', '2', '--wait-timeout', '5'],
      {
        MR_STANDIN_RECORD: record,
      },
    );
    expect(result.exitCode).toBe(0);
    const statuses = jobs.map((j) => sim.job(j.id)!.status);
    expect(statuses).toEqual(['success', 'success', 'pending']);
    expect(sim.job(jobs[0]!.id)!.runnerId).toBe(cpu.id);
    expect(sim.jobTrace(jobs[0]!.id)).toContain('Running with gitlab-runner');
    expect(result.stderr).toContain(`received  job=${jobs[0]!.id}`);
    expect(result.stderr).not.toContain(cpu.token);
    const line = JSON.parse(readFileSync(record, 'utf8').trim());
    expect(line).toMatchObject({ jobs: [jobs[0]!.id, jobs[1]!.id], exitCode: 0 });
    expect(line.argv).toContain('--max-builds');
    // Like gitlab-runner, it keeps a machine id beside the config and sends it with each request.
    const systemId = readFileSync(join(dir, '.runner_system_id'), 'utf8').trim();
    expect(systemId).toMatch(/^s_[0-9a-f]{12}$/);
    expect(sim.runner(cpu.id)!.systemId).toBe(systemId);
  });

  it('exits 0 when nothing came for --wait-timeout seconds', async () => {
    const runner = sim.addRunner({ tags: ['idle'] });
    const config = writeConfig([{ name: 'idle', token: runner.token }]);
    const result = await run([
      'run-single',
      `--config=${config}`,
      '--runner-name',
      'idle',
      '--max-builds',
      '1',
      '--wait-timeout',
      '1',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('No job received within 1 s');
    expect(sim.runner(runner.id)!.contactedAt).not.toBeNull();
  });

  it('reports a failed job when MR_STANDIN_JOB_RESULT=failed', async () => {
    const project = sim.addProject({ path: 'standin/failed' });
    const [job] = sim.addJobs([{ projectId: project.id, tags: ['f'] }]);
    const runner = sim.addRunner({ projectId: project.id, tags: ['f'] });
    const config = writeConfig([{ name: 'f', token: runner.token }]);
    const result = await run(['run-single', '-c', config, '--runner', 'f', '--max-builds', '1'], {
      MR_STANDIN_JOB_RESULT: 'failed',
    });
    expect(result.exitCode).toBe(0);
    expect(sim.job(job!.id)).toMatchObject({ status: 'failed', failureReason: 'script_failure' });
  });

  it.each([
    [
      'an unknown runner name',
      (c: string) => ['run-single', '--config', c, '--runner', 'nope'],
      /could not find a runner with the name 'nope'/,
    ],
    [
      'a missing config file',
      () => ['run-single', '--config', '/nonexistent/config.toml', '--runner', 'x'],
      /cannot read the config file/,
    ],
    [
      'an unknown flag',
      (c: string) => ['run-single', '--config', c, '--runner', 'x', '--bogus', '1'],
      /flag provided but not defined: --bogus/,
    ],
    ['another command', () => ['register'], /implements only run-single/],
  ])('fails with exit 1 on %s', async (_name, args, message) => {
    const config = writeConfig([{ name: 'x', token: 'glrt-whatever' }]);
    const result = await run(args(config));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('fails with exit 1 when GitLab refuses the runner token', async () => {
    const config = writeConfig([{ name: 'revoked', token: 'glrt-revokedtoken123' }]);
    const result = await run([
      'run-single',
      '--config',
      config,
      '--runner',
      'revoked',
      '--wait-timeout',
      '5',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('forbidden');
    expect(result.stderr).not.toContain('glrt-revokedtoken123');
  });

  it('can be installed as gitlab-runner by writeRunnerStandin', async () => {
    const wrapper = writeRunnerStandin(join(dir, 'bin'));
    expect(wrapper).toBe(join(dir, 'bin', 'gitlab-runner'));
    const result = await new Promise<string>((resolve) =>
      execFile(wrapper, ['--version'], (_e, stdout) => resolve(stdout)),
    );
    expect(result).toMatch(/^Version: +\S+standin/);
  });

  it('prints a version like gitlab-runner', async () => {
    const result = await run(['--version']);
    expect(result.stdout).toMatch(/^Version: +\S+/);
    expect(gitlabRunner.endsWith('/gitlab-runner')).toBe(true);
  });
});
