import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runnerHelper } from './runner-helpers.js';
import { type RunnerEntry, readRunnerEntry, StandinError } from './runner-standin-config.js';
import { runStandinJob, type StandinJobReport } from './runner-standin-job.js';
import type { JobPayload } from './stage-scripts.js';

/** What the stand-in reads and writes; tests may pass their own. */
export interface StandinIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
}

interface RunSingleOptions {
  config: string;
  runner: string;
  maxBuilds: number;
  waitTimeout: number;
}

/** What the stand-in tells GitLab it is (user agent, runner info). */
const version = '19.4.0~standin';

/** The release played: MR_STANDIN_RUNNER_VERSION (such as "17.0.0"), default 19.4.0. */
function standinVersion(env: StandinIo['env']): string {
  const v = env.MR_STANDIN_RUNNER_VERSION;
  return v && /^\d+\.\d+\.\d+$/.test(v) ? v : '19.4.0';
}

/**
 * `run-single -c/--config` exists from gitlab-runner v17.1.0 on (commit 995f05612, "Allow reading run-single
 * configuration from a config file"); before, the flag is undefined and the command stops.
 */
function takesConfig(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 17 || (major === 17 && minor >= 1);
}

const usage = `Usage: gitlab-runner run-single --config FILE --runner NAME [--max-builds N] [--wait-timeout S]

A stand-in for gitlab-runner's run-single command (for tests and demos). It takes jobs from GitLab with the
token of the [[runners]] entry NAME and runs each one through that entry's [runners.custom] commands, as
gitlab-runner does; it also has the helper commands the job's stages call (cache-archiver,
cache-extractor, artifacts-uploader).

Options:
  -c, --config FILE        the gitlab-runner config.toml
  -r, --runner NAME        the [[runners]] entry to use
  --max-builds N           stop after N jobs (0: no limit; default 0)
  --wait-timeout S         stop once no job came for more than S whole seconds (0: never; default 0)

Test-only environment: MR_STANDIN_POLL_MS (pause after an empty answer; real: 3000),
MR_STANDIN_UNHEALTHY_MS (idle time after a refused token; real: 300000), MR_STANDIN_UPDATE_MS (log update
interval; real: 3000), MR_STANDIN_RETRY_MS (pause between preparation tries; real: 3000),
MR_STANDIN_RECORD (a file to append one JSON line per run to: argv, jobs, per-job reports, exit code),
MR_STANDIN_TIME_SCRIPTS=1 (benchmarks: time each stage script), MR_STANDIN_RUNNER_VERSION (the release
--version prints; before 17.1.0 run-single has no --config).
`;

// commands/single.go (gitlab-runner v19.4.0): -c/--config, -r/--runner, --max-builds, --wait-timeout.
function parseArgs(args: readonly string[], env: StandinIo['env']): RunSingleOptions {
  const values: Record<string, string> = {};
  const names: Record<string, keyof RunSingleOptions> = {
    '-c': 'config',
    '--config': 'config',
    '-r': 'runner',
    '--runner': 'runner',
    '--max-builds': 'maxBuilds',
    '--wait-timeout': 'waitTimeout',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const name = names[flag];
    if (name === 'config' && !takesConfig(standinVersion(env)))
      throw new StandinError(`flag provided but not defined: ${flag}`);
    if (!name) throw new StandinError(`flag provided but not defined: ${flag}`);
    const value = flag !== arg ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new StandinError(`flag needs an argument: ${flag}`);
    values[name] = value;
  }
  const number = (key: 'maxBuilds' | 'waitTimeout') => {
    const text = values[key] ?? '0';
    if (!/^\d+$/.test(text))
      throw new StandinError(
        `invalid value "${text}" for --${key === 'maxBuilds' ? 'max-builds' : 'wait-timeout'}`,
      );
    return Number(text);
  };
  // Without --runner the real command reads URL and token from flags; the stand-in needs the entry.
  if (!values.runner) throw new StandinError('Missing URL (the stand-in needs --runner NAME)');
  return {
    config: values.config ?? env.CONFIG_FILE ?? join(env.HOME ?? '.', '.gitlab-runner', 'config.toml'),
    runner: values.runner,
    maxBuilds: number('maxBuilds'),
    waitTimeout: number('waitTimeout'),
  };
}

/** The machine id gitlab-runner keeps beside its config (`s_` and 12 hex digits), created when missing. */
function systemId(configFile: string): string {
  const file = join(dirname(configFile), '.runner_system_id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {}
  const id = `s_${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
  } catch {}
  return id;
}

function milliseconds(text: string | undefined, fallback: number): number {
  return text && /^\d+$/.test(text) ? Number(text) : fallback;
}

async function requestJob(runner: RunnerEntry, id: string): Promise<Response> {
  try {
    return await fetch(`${runner.url}/api/v4/jobs/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `gitlab-runner ${version}` },
      body: JSON.stringify({
        token: runner.token,
        system_id: id,
        info: {
          name: 'gitlab-runner',
          version,
          revision: 'standin',
          platform: process.platform,
          architecture: process.arch,
          executor: runner.executor,
          features: {
            variables: true,
            image: true,
            artifacts: true,
            cache: true,
            cancelable: true,
            trace_sections: true,
          },
        },
      }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch {
    return new Response(null, { status: 599 });
  }
}

async function runSingle(
  options: RunSingleOptions,
  io: StandinIo,
  jobsDone: number[],
  reports: Array<{ job: number } & StandinJobReport>,
): Promise<void> {
  const runner = readRunnerEntry(options.config, options.runner);
  const id = systemId(options.config);
  // common/consts.go: CheckInterval 3 s after an empty answer, NotHealthyCheckInterval 300 s after 403.
  const pollMs = milliseconds(io.env.MR_STANDIN_POLL_MS, 3000);
  const unhealthyMs = milliseconds(io.env.MR_STANDIN_UNHEALTHY_MS, 300_000);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const label = `runner=${runner.token.slice(0, 8)}`;
  log(`Runtime platform  arch=${process.arch} os=${process.platform} pid=${process.pid} version=${version}`);
  log(`Starting runner for ${runner.url} with token ${runner.token.slice(0, 8)} ...  system_id=${id}`);
  const runForever = options.maxBuilds === 0;
  let maxBuilds = options.maxBuilds;
  let lastBuild = Date.now();
  for (;;) {
    // processBuild
    const response = await requestJob(runner, id);
    if (response.status === 201) {
      const job = (await response.json()) as JobPayload;
      log(`Checking for jobs... received  job=${job.id} ${label}`);
      const report = await runStandinJob(
        runner,
        job,
        {
          updateIntervalMs: milliseconds(io.env.MR_STANDIN_UPDATE_MS, 3000),
          prepareRetryIntervalMs: milliseconds(io.env.MR_STANDIN_RETRY_MS, 3000),
          runnerCommand: io.env.MR_STANDIN_COMMAND ?? io.env.GITLAB_META_RUNNER_THIS ?? 'gitlab-runner',
          version,
          env: io.env,
          timeScripts: io.env.MR_STANDIN_TIME_SCRIPTS === '1',
        },
        log,
      );
      const outcome = report.outcome;
      log(`Job ${outcome === 'success' ? 'succeeded' : 'failed'}  job=${job.id} outcome=${outcome} ${label}`);
      jobsDone.push(job.id);
      reports.push({ job: job.id, ...report });
      // postBuild
      if (maxBuilds > 0) maxBuilds--;
      lastBuild = Date.now();
    } else {
      await response.body?.cancel();
      // network/gitlab.go RequestJob: 403 and other client errors make the runner "not healthy".
      if (response.status === 403 || (response.status >= 400 && response.status < 500)) {
        log(`ERROR: Checking for jobs... forbidden  ${label} status=${response.status}`);
        log('Runner is not healthy!');
        await sleep(unhealthyMs);
      } else {
        if (response.status !== 204)
          log(`WARNING: Checking for jobs... failed  ${label} status=${response.status}`);
        await sleep(pollMs);
      }
    }
    // checkFinishedConditions
    if (maxBuilds < 1 && !runForever) {
      log('This runner has processed its build limit, so now exiting');
      return;
    }
    if (options.waitTimeout > 0 && Math.trunc((Date.now() - lastBuild) / 1000) > options.waitTimeout) {
      log(`This runner has not received a job in ${options.waitTimeout} seconds, so now exiting`);
      return;
    }
  }
}

/**
 * The stand-in `gitlab-runner` command: `run-single`, the helper commands the job's stages call, plus
 * `--version` and `--help`. Returns the exit code.
 */
export async function runnerStandinMain(
  argv: readonly string[],
  io: StandinIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.stdout.write(`Version:      ${standinVersion(io.env)}~standin\nGit revision: standin\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage);
    return 0;
  }
  const helper = await runnerHelper(command, rest, (line) => io.stderr.write(`${line}\n`));
  if (helper !== undefined) return helper;
  const jobs: number[] = [];
  const reports: Array<{ job: number } & StandinJobReport> = [];
  let exitCode = 0;
  try {
    if (command !== 'run-single')
      throw new StandinError(`the stand-in implements only run-single, not "${command}"`);
    await runSingle(parseArgs(rest, io.env), io, jobs, reports);
  } catch (error) {
    io.stderr.write(`ERROR: ${(error as Error).message}\n`);
    exitCode = 1;
  }
  const record = io.env.MR_STANDIN_RECORD;
  if (record) {
    appendFileSync(
      record,
      `${JSON.stringify({ pid: process.pid, argv: [...argv], jobs, reports, exitCode, endedAt: new Date().toISOString() })}\n`,
    );
  }
  return exitCode;
}
