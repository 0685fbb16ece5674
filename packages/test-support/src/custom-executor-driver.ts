import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The `[runners.custom]` commands of a gitlab-runner config. */
export interface CustomExecutorCommands {
  config_exec: string;
  config_args: string[];
  prepare_exec: string;
  prepare_args: string[];
  run_exec: string;
  run_args: string[];
  cleanup_exec: string;
  cleanup_args: string[];
}

/** The four commands for an executor that takes the step name last: `<exec> ...args <step>`. */
export function customExecutor(exec: string, args: readonly string[] = []): CustomExecutorCommands {
  return {
    config_exec: exec,
    config_args: [...args, 'config'],
    prepare_exec: exec,
    prepare_args: [...args, 'prepare'],
    run_exec: exec,
    run_args: [...args, 'run'],
    cleanup_exec: exec,
    cleanup_args: [...args, 'cleanup'],
  };
}

/** The sub-stages of a successful job, in the order gitlab-runner runs them. */
export const JOB_STAGES = [
  'prepare_script',
  'get_sources',
  'restore_cache',
  'download_artifacts',
  'build_script',
  'after_script',
  'archive_cache',
  'upload_artifacts_on_success',
  'cleanup_file_variables',
] as const;

/** A job as GitLab hands it to the runner. */
export interface DriverJob {
  id: number;
  /** `image:` of the job; a string is its name. */
  image?: string | { name: string; pull_policy?: string[] | undefined } | undefined;
  /** Default `group/project`. */
  projectPath?: string;
  /** Job variables (`CUSTOM_ENV_<NAME>` and the job response's `variables`). */
  variables?: Record<string, string>;
  /** Registry logins of the job response. */
  credentials?: Array<{ url: string; username: string; password: string }>;
  /** Shell commands of a sub-stage (bash). Predefined stages without commands record where they ran. */
  scripts?: Partial<Record<string, string>>;
  /** Sub-stages of a successful run, default {@link JOB_STAGES}; insert `step_<name>` stages as needed. */
  stages?: readonly string[];
}

export interface DriveOptions {
  /** The runner's own environment on top of PATH, HOME and NO_COLOR. */
  env?: Record<string, string | undefined>;
  /** Where the per-job temporary directory goes (default the system's). */
  tmpRoot?: string;
  /** Exit codes the runner announces (it uses 1 and 2). */
  buildFailureExitCode?: number;
  systemFailureExitCode?: number;
  /** config + prepare tries before a system failure is final (gitlab-runner: 3; it waits 3 s between). */
  prepareAttempts?: number;
  /** Cancel the job (SIGTERM to the executor's process group) during the `run` call of `stage`, once `when` resolves. */
  cancel?: {
    stage: string;
    when: () => Promise<void> | void;
    /** SIGKILL to the group this long after SIGTERM when it is still running (runner default 10 min; ms). */
    gracefulKillTimeoutMs?: number;
    /** Signal the executor's process group (default, as gitlab-runner does) or only the executor process. */
    target?: 'group' | 'process';
  };
  /** Limit for every call (ms); the group is killed after it. Default 60 s. */
  callTimeoutMs?: number;
}

export interface ExecutorCall {
  step: 'config' | 'prepare' | 'run' | 'cleanup';
  stage?: string;
  argv: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The executor's pid, which is also its process group id. */
  pid: number;
  /** For a cancelled call: the processes of its group still alive when the executor had ended. */
  survivorsAtExit?: number[];
}

export interface DriveResult {
  /** success; failed (a script failed: `jobExitCode`); system_failure; canceled. */
  outcome: 'success' | 'failed' | 'system_failure' | 'canceled';
  /** The job's exit code as GitLab shows it: BUILD_EXIT_CODE_FILE's first line, else 1. */
  jobExitCode?: number;
  /** The parsed output of the config step. */
  config?: Record<string, unknown>;
  calls: ExecutorCall[];
  /** Everything the executor printed (stdout and stderr of every call), as the job log shows it. */
  log: string;
  buildsDir?: string;
  projectDir?: string;
  /** The per-job temporary directory (TMPDIR of every call). */
  jobTmp: string;
  /** The call that was cancelled. */
  canceledCall?: ExecutorCall;
}

const predefinedBody = (stage: string) =>
  `${stage === 'get_sources' ? 'mkdir -p "$CI_PROJECT_DIR"\n' : ''}printf '%s %s\\n' ${stage} "\${APPTAINER_CONTAINER:-\${SINGULARITY_CONTAINER:-host}}" >> "$CI_BUILDS_DIR/.driver-stages"\n`;

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The ids of the processes in a process group (Linux /proc). */
export function processesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state ppid pgrp ...; zombies are dead already.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * Polls until `check` is true or `timeoutMs` passes (then throws). It waits on `node:timers/promises`, which
 * vitest's fake timers leave alone, so a test can wait for a process while it holds the global clock.
 */
export async function waitUntil(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function call(
  step: ExecutorCall['step'],
  exec: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  timeoutMs: number,
  onSpawn?: (child: ChildProcess) => void,
): Promise<ExecutorCall> {
  return new Promise((resolve, reject) => {
    // gitlab-runner starts every executor call in a process group of its own and signals the group.
    const child = spawn(exec, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ step, argv: [exec, ...args], exitCode, signal, stdout, stderr, pid: child.pid! });
    });
    onSpawn?.(child);
  });
}

/** One job's environment and files, for calling the executor's steps one at a time. */
export interface JobSession {
  /** The environment of every call (grows CUSTOM_ENV_CI_BUILDS_DIR / CI_PROJECT_DIR after config). */
  env: Record<string, string | undefined>;
  /** The per-job temporary directory (TMPDIR of every call). */
  jobTmp: string;
  calls: ExecutorCall[];
  /** config: parses its JSON and sets the builds and project directories. */
  config(): Promise<ExecutorCall>;
  /** prepare; `onSpawn` sees the process as soon as it starts (to follow its output as it comes). */
  prepare(onSpawn?: (child: ChildProcess) => void): Promise<ExecutorCall>;
  /** run: writes the stage's script (`body`, else the job's script for it) into a new 0700 directory. */
  run(stage: string, body?: string): Promise<ExecutorCall>;
  cleanup(): Promise<ExecutorCall>;
  readonly result: DriveResult;
  readonly buildFailure: number;
  readonly systemFailure: number;
  /** BUILD_EXIT_CODE_FILE's first line, else 1 (what GitLab shows as the job's exit code). */
  jobExitCode(): number;
}

/**
 * Sets up a job as gitlab-runner does (per-job TMPDIR, JOB_RESPONSE_FILE 0600, BUILD_EXIT_CODE_FILE, the
 * two failure exit codes, CUSTOM_ENV_* variables) and calls the executor's steps on demand.
 */
export function createJobSession(
  executor: CustomExecutorCommands,
  job: DriverJob,
  options: DriveOptions = {},
): JobSession {
  const buildFailure = options.buildFailureExitCode ?? 1;
  const systemFailure = options.systemFailureExitCode ?? 2;
  const timeout = options.callTimeoutMs ?? 60_000;
  const jobTmp = mkdtempSync(join(options.tmpRoot ?? tmpdir(), `job-${job.id}-`));
  const responseFile = join(jobTmp, 'job-response.json');
  const exitCodeFile = join(jobTmp, 'build-exit-code');
  const image = typeof job.image === 'string' ? { name: job.image } : job.image;
  const projectPath = job.projectPath ?? 'group/project';
  const variables: Record<string, string> = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_JOB_ID: String(job.id),
    CI_PROJECT_PATH: projectPath,
    CI_JOB_TOKEN: `job-token-${job.id}-secret`,
    ...(image ? { CI_JOB_IMAGE: image.name } : {}),
    ...job.variables,
  };
  const response = {
    id: job.id,
    token: variables.CI_JOB_TOKEN,
    image: image
      ? { name: image.name, entrypoint: null, pull_policy: image.pull_policy ?? null }
      : { name: '' },
    services: [],
    credentials: (job.credentials ?? []).map((c) => ({ type: 'registry', ...c })),
    variables: Object.entries(variables).map(([key, value]) => ({ key, value, public: true, masked: false })),
  };
  writeFileSync(responseFile, JSON.stringify(response), { mode: 0o600 });
  chmodSync(responseFile, 0o600);
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    ...options.env,
    TMPDIR: jobTmp,
    BUILD_FAILURE_EXIT_CODE: String(buildFailure),
    SYSTEM_FAILURE_EXIT_CODE: String(systemFailure),
    BUILD_EXIT_CODE_FILE: exitCodeFile,
    JOB_RESPONSE_FILE: responseFile,
  };
  for (const [k, v] of Object.entries(variables)) env[`CUSTOM_ENV_${k}`] = v;
  // Until config says otherwise, gitlab-runner's own builds_dir.
  const buildsDir = join(jobTmp, 'builds');
  const result: DriveResult = {
    outcome: 'success',
    calls: [],
    log: '',
    jobTmp,
    buildsDir,
    projectDir: join(buildsDir, projectPath),
  };
  const calls = result.calls;
  const record = async (
    step: ExecutorCall['step'],
    exec: string,
    args: string[],
    stage?: string,
    onSpawn?: (c: ChildProcess) => void,
  ) => {
    const c = await call(step, exec, args, env, jobTmp, timeout, onSpawn);
    if (stage) c.stage = stage;
    calls.push(c);
    result.log += c.stdout + c.stderr;
    return c;
  };
  let scriptNumber = 0;
  const session: JobSession = {
    env,
    jobTmp,
    calls,
    result,
    buildFailure,
    systemFailure,
    jobExitCode: () => readExitCode(exitCodeFile),
    async config() {
      const c = await record('config', executor.config_exec, executor.config_args);
      if (c.exitCode !== 0) return c;
      try {
        result.config = c.stdout.trim() ? (JSON.parse(c.stdout) as Record<string, unknown>) : {};
      } catch {
        result.log += 'ERROR: the config step printed invalid JSON\n';
        c.exitCode = systemFailure;
        return c;
      }
      result.buildsDir = (result.config.builds_dir as string | undefined) ?? buildsDir;
      result.projectDir = join(result.buildsDir, projectPath);
      for (const [k, v] of Object.entries(
        (result.config.job_env as Record<string, string> | undefined) ?? {},
      ))
        env[k] = v;
      return c;
    },
    prepare(onSpawn) {
      env.CUSTOM_ENV_CI_BUILDS_DIR = result.buildsDir;
      env.CUSTOM_ENV_CI_PROJECT_DIR = result.projectDir;
      if (typeof result.config?.cache_dir === 'string') env.CUSTOM_ENV_CI_CACHE_DIR = result.config.cache_dir;
      return record('prepare', executor.prepare_exec, executor.prepare_args, undefined, onSpawn);
    },
    async run(stage, body) {
      const dir = join(jobTmp, `script${String(++scriptNumber).padStart(3, '0')}`);
      mkdirSync(dir, { mode: 0o700 });
      const script = join(dir, 'script.');
      const exports = Object.entries(variables)
        .concat([
          ['CI_BUILDS_DIR', result.buildsDir!],
          ['CI_PROJECT_DIR', result.projectDir!],
        ])
        .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
        .join('\n');
      const cd = ['prepare_script', 'get_sources'].includes(stage)
        ? ''
        : 'cd "$CI_PROJECT_DIR" 2>/dev/null || true\n';
      const text = body ?? job.scripts?.[stage] ?? predefinedBody(stage);
      writeFileSync(script, `#!/usr/bin/env bash\nset -eo pipefail\n${exports}\n${cd}${text}\n`, {
        mode: 0o700,
      });
      const cancel = options.cancel?.stage === stage ? options.cancel : undefined;
      let cancelDone: Promise<void> | undefined;
      let survivors: number[] | undefined;
      const c = await record(
        'run',
        executor.run_exec,
        [...executor.run_args, script, stage],
        stage,
        (child) => {
          if (!cancel) return;
          const pgid = child.pid!;
          const exited = new Promise<void>((r) =>
            child.once('exit', () => {
              survivors = processesInGroup(pgid);
              r();
            }),
          );
          cancelDone = (async () => {
            await cancel.when();
            try {
              process.kill(cancel.target === 'process' ? pgid : -pgid, 'SIGTERM');
            } catch {}
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              exited,
              new Promise<void>((r) => (timer = setTimeout(r, cancel.gracefulKillTimeoutMs ?? 30_000))),
            ]);
            clearTimeout(timer);
            try {
              process.kill(-pgid, 'SIGKILL');
            } catch {}
          })();
        },
      );
      if (cancelDone) {
        await cancelDone;
        c.survivorsAtExit = survivors ?? [];
        result.canceledCall = c;
        result.outcome = 'canceled';
      }
      return c;
    },
    cleanup: () => record('cleanup', executor.cleanup_exec, executor.cleanup_args),
  };
  return session;
}

/**
 * Runs a job through a custom executor exactly as gitlab-runner does: config and prepare (retried with
 * cleanup after each failed try), one `run <script> <stage>` per sub-stage with the script in its own 0700
 * directory, the failure path (after_script, *_on_failure), and cleanup always. See {@link createJobSession}.
 */
export async function driveJob(
  executor: CustomExecutorCommands,
  job: DriverJob,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const session = createJobSession(executor, job, options);
  const { result, buildFailure } = session;

  let prepared = false;
  for (let attempt = 1; attempt <= (options.prepareAttempts ?? 3) && !prepared; attempt++) {
    const config = await session.config();
    if (config.exitCode !== 0) {
      result.outcome = config.exitCode === buildFailure ? 'failed' : 'system_failure';
      await session.cleanup();
      if (result.outcome === 'failed') return result;
      continue;
    }
    const prepare = await session.prepare();
    if (prepare.exitCode === 0) prepared = true;
    else if (prepare.exitCode === buildFailure) {
      result.outcome = 'failed';
      result.jobExitCode = session.jobExitCode();
      await session.cleanup();
      return result;
    } else {
      result.outcome = 'system_failure';
      await session.cleanup();
    }
  }
  if (!prepared) return result;
  result.outcome = 'success';

  const stages = job.stages ?? JOB_STAGES;
  let failedAt = -1;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    const c = await session.run(stage);
    if (result.canceledCall) break;
    if (c.exitCode === 0) continue;
    if (c.exitCode === buildFailure) {
      if (stage === 'after_script') continue; // after_script failures do not fail the job
      result.outcome = 'failed';
      result.jobExitCode = session.jobExitCode();
      failedAt = i;
    } else result.outcome = 'system_failure';
    break;
  }
  if (result.outcome === 'failed') {
    const rest = stages.slice(failedAt + 1).flatMap((s) => {
      if (s === 'after_script' || s === 'cleanup_file_variables') return [s];
      if (s === 'archive_cache') return ['archive_cache_on_failure'];
      if (s === 'upload_artifacts_on_success') return ['upload_artifacts_on_failure'];
      return [];
    });
    for (const stage of rest) {
      const c = await session.run(stage);
      if (c.exitCode !== 0 && c.exitCode !== buildFailure) {
        result.outcome = 'system_failure';
        break;
      }
    }
  }
  await session.cleanup();
  return result;
}

function readExitCode(file: string): number {
  if (!existsSync(file)) return 1;
  const first = readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
  return /^\d+$/.test(first) ? Number(first) : 1;
}
