import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CustomExecutorCommands, callExecutor, type ExecutorCall } from './executor-call.js';

// How gitlab-runner drives a custom executor, one job at a time. Sources (gitlab-runner v19.4.0):
// executors/custom/custom.go and executors/custom/command/command.go (calls, environment, exit codes),
// common/build.go (stage order, retries, after_script and the on_failure stages), common/consts.go.

/** A job as the custom executor sees it. */
export interface ExecutorJob {
  id: number;
  /** `group/project`: the project directory is `<builds_dir>/<projectPath>`. */
  projectPath: string;
  /** Job variables: become `CUSTOM_ENV_<NAME>` and are exported by every stage script. */
  variables: Record<string, string>;
  /** The whole job as GitLab sent it: JOB_RESPONSE_FILE (0600). */
  response: unknown;
}

export interface ExecutorJobOptions {
  /** The runner's own environment (gitlab-runner passes its environment on to every call). */
  env: Record<string, string | undefined>;
  /** Where the per-job temporary directory goes (default the system's). */
  tmpRoot?: string;
  /** gitlab-runner uses 1 and 2 (executors/custom/command/command.go). */
  buildFailureExitCode?: number;
  systemFailureExitCode?: number;
  /** config + prepare tries (common/consts.go PreparationRetries = 3). */
  prepareAttempts?: number;
  /** Pause between tries (common/build.go PreparationRetryInterval, 3 s; tests may shorten it). */
  prepareRetryIntervalMs?: number;
  /** Limit for every call, ms (default 1 h, the runner's *_exec_timeout default). */
  callTimeoutMs?: number;
  /** SIGKILL this long after SIGTERM on cancel (the runner's graceful_kill_timeout). */
  gracefulKillTimeoutMs?: number;
  /** Which process a cancel signals: the executor's process group (gitlab-runner) or just the executor. */
  killTarget?: 'group' | 'process';
  /** Every piece of the executor's output, as the job log gets it. */
  onOutput?: (chunk: string) => void;
}

/** A job's files and environment, and its executor calls one at a time. */
export class ExecutorJobSession {
  /** The environment of every call (grows the config step's `job_env` and the builds dirs). */
  readonly env: Record<string, string | undefined>;
  /** The per-job temporary directory (TMPDIR and working directory of every call). */
  readonly jobTmp: string;
  readonly calls: ExecutorCall[] = [];
  readonly buildFailure: number;
  readonly systemFailure: number;
  /** The config step's parsed output. */
  config: Record<string, unknown> | undefined;
  buildsDir: string;
  projectDir: string;
  /** Everything the executor printed (stdout and stderr of every call). */
  log = '';
  readonly #commands: CustomExecutorCommands;
  readonly #job: ExecutorJob;
  readonly #options: ExecutorJobOptions;
  readonly #exitCodeFile: string;
  #scriptNumber = 0;

  constructor(commands: CustomExecutorCommands, job: ExecutorJob, options: ExecutorJobOptions) {
    this.#commands = commands;
    this.#job = job;
    this.#options = options;
    this.buildFailure = options.buildFailureExitCode ?? 1;
    this.systemFailure = options.systemFailureExitCode ?? 2;
    this.jobTmp = mkdtempSync(join(options.tmpRoot ?? tmpdir(), `job-${job.id}-`));
    const responseFile = join(this.jobTmp, 'job-response.json');
    this.#exitCodeFile = join(this.jobTmp, 'build-exit-code');
    writeFileSync(responseFile, JSON.stringify(job.response), { mode: 0o600 });
    chmodSync(responseFile, 0o600);
    // executors/custom/command/command.go: the runner's environment, then these, then CUSTOM_ENV_*.
    this.env = {
      ...options.env,
      TMPDIR: this.jobTmp,
      BUILD_FAILURE_EXIT_CODE: String(this.buildFailure),
      SYSTEM_FAILURE_EXIT_CODE: String(this.systemFailure),
      BUILD_EXIT_CODE_FILE: this.#exitCodeFile,
      JOB_RESPONSE_FILE: responseFile,
    };
    for (const [k, v] of Object.entries(job.variables)) this.env[`CUSTOM_ENV_${k}`] = v;
    // Until config says otherwise, the runner's own builds_dir.
    this.buildsDir = join(this.jobTmp, 'builds');
    this.projectDir = join(this.buildsDir, job.projectPath);
  }

  async #call(
    step: ExecutorCall['step'],
    argv: string[],
    stage?: string,
    signal?: AbortSignal,
    onSpawn?: (child: ChildProcess) => void,
  ) {
    if (argv[0] === '') {
      // An unset *_exec is not called (executors/custom/custom.go: only run_exec is required).
      return { step, argv: [], exitCode: 0, signal: null, stdout: '', stderr: '', pid: 0, durationMs: 0 };
    }
    const call = await callExecutor(step, argv, {
      env: this.env,
      cwd: this.jobTmp,
      timeoutMs: this.#options.callTimeoutMs ?? 3_600_000,
      ...(this.#options.onOutput ? { onOutput: this.#options.onOutput } : {}),
      ...(signal ? { signal } : {}),
      ...(onSpawn ? { onSpawn } : {}),
      ...(this.#options.gracefulKillTimeoutMs === undefined
        ? {}
        : { gracefulKillTimeoutMs: this.#options.gracefulKillTimeoutMs }),
      ...(this.#options.killTarget ? { killTarget: this.#options.killTarget } : {}),
    });
    if (stage) call.stage = stage;
    this.calls.push(call);
    this.log += call.stdout + call.stderr;
    return call;
  }

  #note(text: string): void {
    this.log += text;
    this.#options.onOutput?.(text);
  }

  /** config_exec: its stdout is JSON (builds_dir, cache_dir, job_env, ...); invalid JSON is a system failure. */
  async runConfig(): Promise<ExecutorCall> {
    const c = await this.#call('config', [this.#commands.config_exec, ...this.#commands.config_args]);
    if (c.exitCode !== 0) return c;
    try {
      this.config = c.stdout.trim() ? (JSON.parse(c.stdout) as Record<string, unknown>) : {};
    } catch {
      this.#note('ERROR: the config step printed invalid JSON\n');
      c.exitCode = this.systemFailure;
      return c;
    }
    if (typeof this.config.builds_dir === 'string') this.buildsDir = this.config.builds_dir;
    this.projectDir = join(this.buildsDir, this.#job.projectPath);
    const jobEnv = (this.config.job_env as Record<string, string> | undefined) ?? {};
    for (const [k, v] of Object.entries(jobEnv)) this.env[k] = v;
    return c;
  }

  /** prepare_exec, with the builds and cache directories config chose as job variables. */
  runPrepare(onSpawn?: (child: ChildProcess) => void): Promise<ExecutorCall> {
    this.env.CUSTOM_ENV_CI_BUILDS_DIR = this.buildsDir;
    this.env.CUSTOM_ENV_CI_PROJECT_DIR = this.projectDir;
    if (typeof this.config?.cache_dir === 'string') this.env.CUSTOM_ENV_CI_CACHE_DIR = this.config.cache_dir;
    return this.#call(
      'prepare',
      [this.#commands.prepare_exec, ...this.#commands.prepare_args],
      undefined,
      undefined,
      onSpawn,
    );
  }

  /** The variables each stage script exports: the job's, plus the directories config chose. */
  scriptVariables(): Record<string, string> {
    return { ...this.#job.variables, CI_BUILDS_DIR: this.buildsDir, CI_PROJECT_DIR: this.projectDir };
  }

  /**
   * run_exec `<script> <stage>`: the script goes into a new 0700 directory `scriptNNN` of the job's
   * temporary directory, as the custom executor writes it (executors/custom/custom.go).
   */
  async runStage(stage: string, script: string, signal?: AbortSignal): Promise<ExecutorCall> {
    const dir = join(this.jobTmp, `script${String(++this.#scriptNumber).padStart(3, '0')}`);
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, 'script.');
    writeFileSync(file, script, { mode: 0o700 });
    return this.#call(
      'run',
      [this.#commands.run_exec, ...this.#commands.run_args, file, stage],
      stage,
      signal,
    );
  }

  runCleanup(): Promise<ExecutorCall> {
    return this.#call('cleanup', [this.#commands.cleanup_exec, ...this.#commands.cleanup_args]);
  }

  /**
   * The job's exit code after a build failure: the first line of BUILD_EXIT_CODE_FILE; without the file,
   * 1 (executors/custom/command/command.go parseBuildFailure).
   */
  jobExitCode(): number {
    if (!existsSync(this.#exitCodeFile)) return 1;
    const first = readFileSync(this.#exitCodeFile, 'utf8').split('\n')[0]?.trim() ?? '';
    return /^\d+$/.test(first) ? Number(first) : 1;
  }

  /** How a call's exit code reads: 0, a build failure, or a system failure (any other code is "unknown"). */
  classify(call: ExecutorCall): 'ok' | 'build' | 'system' {
    if (call.exitCode === 0) return 'ok';
    // executors/custom/command/command.go waitForCommand: BUILD_FAILURE_EXIT_CODE is a build error,
    // SYSTEM_FAILURE_EXIT_CODE a system error, anything else an "unknown Custom executor executable exit
    // code" (a system failure too).
    return call.exitCode === this.buildFailure ? 'build' : 'system';
  }

  /** The pause between preparation tries. */
  retryPause(): Promise<void> {
    return sleep(this.#options.prepareRetryIntervalMs ?? 3000);
  }
}
