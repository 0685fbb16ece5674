import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, packageDir, removeTempDirs, writeDevBin } from '@mr/test-support';
import { readZip } from './zip-archive.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';
import { writeRunnerStandin } from './standin-wrapper.js';

const shellExecutor = join(packageDir('gitlab-simulator'), 'test', 'fixtures', 'shell-executor.sh');
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
  const q = JSON.stringify(shellExecutor);
  const runners = entries
    .map(
      (e) => `[[runners]]
name = "${e.name}"
url = "${sim.url}"
${e.id ? `id = ${e.id}\n` : ''}token = "${e.token}"
executor = "custom"
environment = ["FROM_RUNNER_ENV=yes"]
[runners.custom]
config_exec = ${q}
config_args = ["config"]
prepare_exec = ${q}
prepare_args = ["prepare"]
run_exec = ${q}
run_args = ["run"]
cleanup_exec = ${q}
cleanup_args = ["cleanup"]
`,
    )
    .join('\n');
  writeFileSync(file, `concurrent = 1\n\n${runners}`);
  chmodSync(file, 0o600);
  return file;
}

/** Runs the wrapper named `gitlab-runner`, as a launch script would. */
function run(args: string[], env: Record<string, string> = {}) {
  const record = join(dir, `calls-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise<{ exitCode: number | null; stdout: string; stderr: string; calls: string[] }>(
    (resolve) => {
      execFile(
        gitlabRunner,
        args,
        {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            MR_STANDIN_POLL_MS: '20',
            MR_STANDIN_UPDATE_MS: '100',
            MR_STANDIN_RETRY_MS: '0',
            EXECUTOR_RECORD: record,
            EXECUTOR_BUILDS: join(dir, 'builds'),
            EXECUTOR_CACHE: join(dir, 'cache'),
            ...env,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          const calls = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [];
          resolve({ exitCode: code, stdout, stderr, calls });
        },
      );
    },
  );
}

/** Whether a process still runs (a zombie waiting for a parent that does not reap it has ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function setup(path: string, spec: Parameters<GitLabSimulator['addJobs']>[0][number]) {
  const project = sim.addProject({ path });
  const [job] = sim.addJobs([{ ...spec, projectId: project.id, tags: ['t'] }]);
  const runner = sim.addRunner({ projectId: project.id, tags: ['t'] });
  return { job: job!, runner, config: writeConfig([{ name: 't', token: runner.token, id: runner.id }]) };
}

describe('the gitlab-runner stand-in runs jobs through [runners.custom]', { timeout: 120_000 }, () => {
  it('calls config, prepare, run once per stage and cleanup, and the job clones the project over git', async () => {
    const { job, config } = setup('standin/pass', {
      script: ['cat README.md', 'echo "var=$MY_VAR env=$FROM_RUNNER_ENV"'],
      variables: { MY_VAR: 'it works' },
    });
    const result = await run(['run-single', '-c', config, '-r', 't', '--max-builds', '1']);
    expect(result.exitCode).toBe(0);
    expect(sim.job(job.id)).toMatchObject({ status: 'success' });
    // Stages with nothing to do (no cache, no artifacts, no after_script) are not called.
    expect(result.calls).toEqual([
      'config',
      `prepare mode=600 job=${job.id}`,
      'run prepare_script',
      'run get_sources',
      'run build_script',
      'cleanup',
    ]);
    const trace = sim.jobTrace(job.id);
    expect(trace).toContain('A project of the GitLab simulator');
    expect(trace).toContain('var=it works env=yes');
    expect(trace).toContain('$ cat README.md');
    expect(trace).toContain('Job succeeded');
  });

  it('reports a failed script with its exit code, runs after_script with CI_JOB_STATUS, and honours allow_failure exit codes', async () => {
    const { job, config } = setup('standin/fail', {
      script: ['echo before', 'exit 3', 'echo never'],
      afterScript: ['echo "after: $CI_JOB_STATUS"'],
      allowFailureExitCodes: [3],
    });
    const result = await run(['run-single', '-c', config, '-r', 't', '--max-builds', '1']);
    expect(result.exitCode).toBe(0);
    expect(sim.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
      allowedToFail: true,
    });
    expect(result.calls.filter((c) => c.startsWith('run'))).toEqual([
      'run prepare_script',
      'run get_sources',
      'run build_script',
      'run after_script',
    ]);
    const trace = sim.jobTrace(job.id);
    expect(trace).toContain('after: failed');
    expect(trace).not.toContain('never');
  });

  it('retries a failed preparation three times with cleanup after each try, then reports a system failure', async () => {
    const { job, config } = setup('standin/prepare', {});
    const result = await run(['run-single', '-c', config, '-r', 't', '--max-builds', '1'], {
      EXECUTOR_FAIL_PREPARE: '1',
    });
    expect(result.exitCode).toBe(0);
    expect(result.calls.map((c) => c.split(' ')[0])).toEqual(
      Array.from({ length: 3 }, () => ['config', 'prepare', 'cleanup']).flat(),
    );
    expect(sim.job(job.id)).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
  });

  it('stops the running stage with SIGTERM when the job is cancelled, runs after_script, and leaves no process', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    const { job, config } = setup('standin/cancel', {
      script: [`sleep 300 & echo $! > ${pidFile}; echo started; wait`],
      afterScript: ['echo "after: $CI_JOB_STATUS"'],
    });
    const running = run(['run-single', '-c', config, '-r', 't', '--max-builds', '1']);
    await sim.waitFor(() => sim.jobTrace(job.id).includes('started'), {
      timeoutMs: 60_000,
      description: 'the script to start',
    });
    sim.cancelJob(job.id);
    expect(sim.job(job.id)!.status).toBe('canceling');
    const result = await running;
    expect(result.exitCode).toBe(0);
    expect(sim.job(job.id)!.status).toBe('canceled');
    expect(sim.jobTrace(job.id)).toContain('after: canceled');
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(sleeper)).toBe(false);
  });

  it('saves a cache that the next job restores, and uploads artifacts the simulator stores', async () => {
    const project = sim.addProject({ path: 'standin/cache' });
    const cache = [{ key: 'deps', paths: ['deps/'] }];
    const [first, second] = sim.addJobs([
      {
        projectId: project.id,
        tags: ['t'],
        cache,
        script: ['mkdir -p deps out', 'echo cached-by-first > deps/file', 'echo report > out/report.txt'],
        artifacts: [{ paths: ['out/'] }],
      },
      { projectId: project.id, tags: ['t'], cache, script: ['cat deps/file'] },
    ]);
    const runner = sim.addRunner({ projectId: project.id, tags: ['t'] });
    const config = writeConfig([{ name: 't', token: runner.token }]);
    const result = await run(['run-single', '-c', config, '-r', 't', '--max-builds', '2']);
    expect(result.exitCode).toBe(0);
    expect(sim.job(first!.id)!.status).toBe('success');
    expect(sim.job(second!.id)!.status).toBe('success');
    expect(sim.jobTrace(second!.id)).toContain('cached-by-first');
    const [artifact] = sim.jobArtifacts(first!.id);
    // A zip archive, as gitlab-runner uploads by default, named after the artifact.
    expect(artifact).toMatchObject({ format: 'zip', type: 'archive', fileName: 'artifacts.zip' });
    const entries = readZip(artifact!.data);
    expect(entries.map((e) => e.name)).toEqual(['out/', 'out/report.txt']);
    expect(entries[1]!.data.toString()).toBe('report\n');
  });
});

describe('the gitlab-runner stand-in as run-single', { timeout: 60_000 }, () => {
  it('exits 0 once no job came for more than --wait-timeout whole seconds', async () => {
    const runner = sim.addRunner({ tags: ['idle'] });
    const config = writeConfig([{ name: 'idle', token: runner.token }]);
    const result = await run(['run-single', `--config=${config}`, '--runner', 'idle', '--wait-timeout', '1']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('has not received a job in 1 seconds');
    expect(sim.runner(runner.id)!.contactedAt).not.toBeNull();
  });

  it('idles after a refused token (test-shortened) and exits 0, as the real one does', async () => {
    const config = writeConfig([{ name: 'revoked', token: 'glrt-revokedtoken123' }]);
    const result = await run(
      ['run-single', '--config', config, '--runner', 'revoked', '--wait-timeout', '1'],
      {
        MR_STANDIN_UNHEALTHY_MS: '1500',
      },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Runner is not healthy!');
    expect(result.stderr).not.toContain('glrt-revokedtoken123');
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
      /Error loading config/,
    ],
    [
      'an unknown flag',
      (c: string) => ['run-single', '--config', c, '--runner', 'x', '--bogus', '1'],
      /flag provided but not defined: --bogus/,
    ],
    [
      '--runner-name, which run-single does not have',
      (c: string) => ['run-single', '--config', c, '--runner-name', 'x'],
      /flag provided but not defined: --runner-name/,
    ],
    ['another command', () => ['register'], /implements only run-single/],
  ])('fails with exit 1 on %s', async (_name, args, message) => {
    const config = writeConfig([{ name: 'x', token: 'glrt-whatever' }]);
    const result = await run(args(config));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('can be installed as gitlab-runner by writeRunnerStandin', async () => {
    const wrapper = writeRunnerStandin(join(dir, 'bin'));
    expect(wrapper).toBe(join(dir, 'bin', 'gitlab-runner'));
    const result = await new Promise<string>((resolve) =>
      execFile(wrapper, ['--version'], (_e, stdout) => resolve(stdout)),
    );
    expect(result).toMatch(/^Version: +\S+standin/);
  });
});
