import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { parse } from 'smol-toml';

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

interface RunnerEntry {
  name: string;
  url: string;
  token: string;
  id?: number;
}

class StandinError extends Error {}

const version = '17.11.0~standin';

const usage = `Usage: gitlab-runner run-single --config FILE --runner NAME [--max-builds N] [--wait-timeout S]

A stand-in for gitlab-runner's run-single command (for tests and demos): it asks GitLab for jobs with the
token of the named [[runners]] entry, "runs" each job for MR_STANDIN_JOB_MS milliseconds (default 100) and
reports it as MR_STANDIN_JOB_RESULT (success or failed, default success).

Options:
  -c, --config FILE        the gitlab-runner config.toml
  --runner, --runner-name, --name NAME
                           the [[runners]] entry to use
  --max-builds N           stop after N jobs (0: no limit; default 0)
  --wait-timeout S         stop when no job came for S seconds (0: wait forever; default 0)

Environment: MR_STANDIN_JOB_MS, MR_STANDIN_JOB_RESULT, MR_STANDIN_POLL_MS (pause after an empty answer,
default 200), MR_STANDIN_RECORD (a file to append one JSON line per run to: argv, runner, jobs, exit code).
`;

function parseArgs(args: readonly string[]): RunSingleOptions {
  const values: Record<string, string> = {};
  const names: Record<string, keyof RunSingleOptions> = {
    '-c': 'config',
    '--config': 'config',
    '--runner': 'runner',
    '--runner-name': 'runner',
    '--name': 'runner',
    '-n': 'runner',
    '--max-builds': 'maxBuilds',
    '--wait-timeout': 'waitTimeout',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const name = names[flag];
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
  if (!values.runner) throw new StandinError('missing --runner NAME');
  return {
    config: values.config ?? join(process.env.HOME ?? '.', '.gitlab-runner', 'config.toml'),
    runner: values.runner,
    maxBuilds: number('maxBuilds'),
    waitTimeout: number('waitTimeout'),
  };
}

function readRunner(options: RunSingleOptions): RunnerEntry {
  let text: string;
  try {
    text = readFileSync(options.config, 'utf8');
  } catch (error) {
    throw new StandinError(`cannot read the config file ${options.config}: ${(error as Error).message}`);
  }
  let config: { runners?: unknown };
  try {
    config = parse(text) as { runners?: unknown };
  } catch (error) {
    throw new StandinError(`${options.config}: not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const runners = Array.isArray(config.runners) ? (config.runners as Record<string, unknown>[]) : [];
  const entry = runners.find((r) => r.name === options.runner);
  if (!entry)
    throw new StandinError(`could not find a runner with the name '${options.runner}' in ${options.config}`);
  if (typeof entry.url !== 'string' || typeof entry.token !== 'string' || entry.token === '') {
    throw new StandinError(`runner '${options.runner}' in ${options.config} has no url or token`);
  }
  return {
    name: options.runner,
    url: entry.url.replace(/\/+$/, ''),
    token: entry.token,
    ...(typeof entry.id === 'number' ? { id: entry.id } : {}),
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

function nonNegative(text: string | undefined, fallback: number): number {
  return text && /^\d+$/.test(text) ? Number(text) : fallback;
}

async function runSingle(options: RunSingleOptions, io: StandinIo, jobsDone: number[]): Promise<void> {
  const runner = readRunner(options);
  const id = systemId(options.config);
  const jobMs = nonNegative(io.env.MR_STANDIN_JOB_MS, 100);
  const pollMs = nonNegative(io.env.MR_STANDIN_POLL_MS, 200);
  const result = io.env.MR_STANDIN_JOB_RESULT === 'failed' ? 'failed' : 'success';
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const label = `runner=${runner.id ?? runner.name}`;
  log(`Runtime platform  arch=${process.arch} os=${process.platform} pid=${process.pid} version=${version}`);
  log(`Starting runner for ${runner.url} with name ${runner.name}  ${label} system_id=${id}`);

  const post = async (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${runner.url}/api/v4${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': `gitlab-runner ${version}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });

  let lastJobAt = Date.now();
  while (options.maxBuilds === 0 || jobsDone.length < options.maxBuilds) {
    let response: Response;
    try {
      response = await post('/jobs/request', 'POST', {
        token: runner.token,
        system_id: id,
        info: {
          name: 'gitlab-runner',
          version,
          revision: 'standin',
          platform: process.platform,
          architecture: process.arch,
          executor: 'custom',
          features: {
            variables: true,
            image: true,
            services: false,
            artifacts: false,
            cache: false,
            session: false,
            trace_checksum: false,
          },
        },
      });
    } catch (error) {
      log(`WARNING: Checking for jobs... failed  ${label} error=${(error as Error).message}`);
      response = new Response(null, { status: 599 });
    }
    if (response.status === 201) {
      const job = (await response.json()) as {
        id: number;
        token: string;
        job_info?: { project_id?: number };
      };
      log(`Checking for jobs... received  job=${job.id} ${label}`);
      await runJob(job, result, jobMs, post, log, label);
      jobsDone.push(job.id);
      lastJobAt = Date.now();
      continue;
    }
    await response.body?.cancel();
    if (response.status === 403) {
      throw new StandinError(
        `Checking for jobs... forbidden  ${label} (the runner token is invalid or expired)`,
      );
    }
    if (response.status !== 204)
      log(`WARNING: Checking for jobs... failed  ${label} status=${response.status}`);
    if (options.waitTimeout > 0 && Date.now() - lastJobAt >= options.waitTimeout * 1000) {
      log(`No job received within ${options.waitTimeout} s; exiting  ${label}`);
      return;
    }
    await wait(pollMs);
  }
  log(`Reached the maximum of ${options.maxBuilds} builds; exiting  ${label}`);
}

async function runJob(
  job: { id: number; token: string },
  result: 'success' | 'failed',
  jobMs: number,
  post: (path: string, method: string, body: unknown, headers?: Record<string, string>) => Promise<Response>,
  log: (line: string) => void,
  label: string,
): Promise<void> {
  const started = Date.now();
  const trace = `Running with gitlab-runner ${version}\n$ (stand-in: no script is executed)\n`;
  const patched = await post(`/jobs/${job.id}/trace`, 'PATCH', trace, {
    'job-token': job.token,
    'content-type': 'text/plain',
    'content-range': `0-${Buffer.byteLength(trace) - 1}`,
  });
  await patched.body?.cancel();
  await wait(jobMs);
  const finished = await post(`/jobs/${job.id}`, 'PUT', {
    token: job.token,
    state: result,
    ...(result === 'failed' ? { failure_reason: 'script_failure', exit_code: 1 } : { exit_code: 0 }),
  });
  await finished.body?.cancel();
  const seconds = ((Date.now() - started) / 1000).toFixed(3);
  log(`Job ${result === 'success' ? 'succeeded' : 'failed'}  duration_s=${seconds} job=${job.id} ${label}`);
}

/**
 * The stand-in `gitlab-runner` command. Only `run-single` (plus `--version`, `--help`) is implemented.
 * Returns the exit code.
 */
export async function runnerStandinMain(
  argv: readonly string[],
  io: StandinIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.stdout.write(`Version:      ${version}\nGit revision: standin\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage);
    return 0;
  }
  const jobs: number[] = [];
  let exitCode = 0;
  try {
    if (command !== 'run-single')
      throw new StandinError(`the stand-in implements only run-single, not "${command}"`);
    await runSingle(parseArgs(rest), io, jobs);
  } catch (error) {
    io.stderr.write(`ERROR: ${(error as Error).message}\n`);
    exitCode = 1;
  }
  const record = io.env.MR_STANDIN_RECORD;
  if (record) {
    appendFileSync(
      record,
      `${JSON.stringify({ pid: process.pid, argv: [...argv], jobs, exitCode, endedAt: new Date().toISOString() })}\n`,
    );
  }
  return exitCode;
}
