import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CustomExecutorCommands,
  type ExecutorCall,
  ExecutorJobSession,
  runExecutorJob,
} from '@mr/gitlab-simulator';

// The test driver for custom executors. How a job is run (environment, calls, retries, stage order, exit
// codes, cancel) is the one implementation the gitlab-runner stand-in uses (@mr/gitlab-simulator's
// ExecutorJobSession and runExecutorJob); this file only turns a short job description into it.

export type { CustomExecutorCommands, ExecutorCall } from '@mr/gitlab-simulator';
export { processesInGroup } from '@mr/gitlab-simulator';

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
  /**
   * The sub-stages that have something to do (default {@link JOB_STAGES}); the others are skipped, as
   * gitlab-runner skips a stage with nothing to do. Insert `step_<name>` stages as needed.
   */
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
  /** config + prepare tries before a system failure is final (gitlab-runner: 3). */
  prepareAttempts?: number;
  /** Pause between those tries (gitlab-runner: 3 s; the driver's default is 0). */
  prepareRetryIntervalMs?: number;
  /** Cancel the job (SIGTERM to the executor's process group) during the `run` call of `stage`, once `when` resolves. */
  cancel?: {
    stage: string;
    when: () => Promise<void> | void;
    /** SIGKILL to the group this long after SIGTERM when it is still running (ms; default 30 s). */
    gracefulKillTimeoutMs?: number;
    /** Signal the executor's process group (default, as gitlab-runner does) or only the executor process. */
    target?: 'group' | 'process';
  };
  /** Limit for every call (ms); the group is killed after it. Default 60 s. */
  callTimeoutMs?: number;
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
  run(stage: string, body?: string, signal?: AbortSignal): Promise<ExecutorCall>;
  cleanup(): Promise<ExecutorCall>;
  readonly result: DriveResult;
  readonly buildFailure: number;
  readonly systemFailure: number;
  /** BUILD_EXIT_CODE_FILE's first line, else 1 (what GitLab shows as the job's exit code). */
  jobExitCode(): number;
  /** The shared session underneath. */
  readonly inner: ExecutorJobSession;
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
  const inner = new ExecutorJobSession(
    executor,
    { id: job.id, projectPath, variables, response },
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env },
      ...(options.tmpRoot ? { tmpRoot: options.tmpRoot } : {}),
      ...(options.buildFailureExitCode === undefined
        ? {}
        : { buildFailureExitCode: options.buildFailureExitCode }),
      ...(options.systemFailureExitCode === undefined
        ? {}
        : { systemFailureExitCode: options.systemFailureExitCode }),
      prepareRetryIntervalMs: options.prepareRetryIntervalMs ?? 0,
      callTimeoutMs: options.callTimeoutMs ?? 60_000,
      gracefulKillTimeoutMs: options.cancel?.gracefulKillTimeoutMs ?? 30_000,
      ...(options.cancel?.target ? { killTarget: options.cancel.target } : {}),
    },
  );
  const result: DriveResult = {
    outcome: 'success',
    calls: inner.calls,
    log: '',
    jobTmp: inner.jobTmp,
    buildsDir: inner.buildsDir,
    projectDir: inner.projectDir,
  };
  const sync = <T>(value: T): T => {
    result.log = inner.log;
    result.buildsDir = inner.buildsDir;
    result.projectDir = inner.projectDir;
    if (inner.config) result.config = inner.config;
    return value;
  };
  return {
    env: inner.env,
    jobTmp: inner.jobTmp,
    calls: inner.calls,
    result,
    inner,
    buildFailure: inner.buildFailure,
    systemFailure: inner.systemFailure,
    jobExitCode: () => inner.jobExitCode(),
    config: async () => sync(await inner.runConfig()),
    prepare: async (onSpawn) => sync(await inner.runPrepare(onSpawn)),
    cleanup: async () => sync(await inner.runCleanup()),
    async run(stage, body, signal) {
      return sync(await inner.runStage(stage, stageScript(inner, job, stage, body), signal));
    },
  };
}

/** A bash script exporting the job's variables, in the project directory after get_sources, then `body`. */
function stageScript(inner: ExecutorJobSession, job: DriverJob, stage: string, body?: string): string {
  const exports = Object.entries(inner.scriptVariables())
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
  const cd = ['prepare_script', 'get_sources'].includes(stage)
    ? ''
    : 'cd "$CI_PROJECT_DIR" 2>/dev/null || true\n';
  const text = body ?? job.scripts?.[stage] ?? predefinedBody(stage);
  return `#!/usr/bin/env bash\nset -eo pipefail\n${exports}\n${cd}${text}\n`;
}

/** The stage a `*_on_failure` or `*_on_success` variant stands for in a job's stage list. */
function baseStage(stage: string): string {
  if (stage === 'archive_cache_on_failure') return 'archive_cache';
  if (stage === 'upload_artifacts_on_failure') return 'upload_artifacts_on_success';
  return stage;
}

/**
 * Runs a job through a custom executor exactly as gitlab-runner does (the stand-in's implementation):
 * config and prepare (retried with cleanup after each failed try), one `run <script> <stage>` per
 * sub-stage with the script in its own 0700 directory, the failure path (after_script, *_on_failure), and
 * cleanup always. See {@link createJobSession}.
 */
export async function driveJob(
  executor: CustomExecutorCommands,
  job: DriverJob,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const session = createJobSession(executor, job, options);
  const stages = new Set<string>(job.stages ?? JOB_STAGES);
  const cancel = new AbortController();
  const outcome = await runExecutorJob(
    session.inner,
    {
      userStages: [...stages].filter((s) => s === 'build_script' || s.startsWith('step_')),
      signal: cancel.signal,
      script: (stage) => (stages.has(baseStage(stage)) ? stageScript(session.inner, job, stage) : undefined),
      onStage: (stage) => {
        const c = options.cancel;
        if (c?.stage === stage) void Promise.resolve(c.when()).then(() => cancel.abort());
      },
    },
    options.prepareAttempts ?? 3,
  );
  const result = session.result;
  result.log = session.inner.log;
  result.buildsDir = session.inner.buildsDir;
  result.projectDir = session.inner.projectDir;
  if (session.inner.config) result.config = session.inner.config;
  result.outcome = outcome.outcome;
  if (outcome.exitCode !== undefined) result.jobExitCode = outcome.exitCode;
  if (outcome.canceledCall) result.canceledCall = outcome.canceledCall;
  return result;
}
