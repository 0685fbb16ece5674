import { createLogger, type Logger, type LogLevel } from '@mr/logger';
import { fs, os } from './builtins.js';
import type { ExecutorIo } from './child-process.js';
import { configStep } from './config-step.js';
import { ExecutorError } from './errors.js';
import { type Env, JobEnvironment } from './job-environment.js';
import { processIo } from './process-io.js';
import type { LockTiming } from '@mr/node-kit/lock';
import { redactingLogger } from './redact.js';
import type { ExecutorSettings } from './setting-keys.js';
import type { ExecutorStep } from './step.js';
import type { StepContext, StepResult } from './step-context.js';

export interface ExecutorOptions {
  /** The environment gitlab-runner gave this call. Default `process.env`. */
  env?: Env | undefined;
  /** Default `process.cwd()`. */
  cwd?: string | undefined;
  /** The job log. Default the process's stdout and stderr ({@link processIo}). */
  io?: ExecutorIo | undefined;
  /** Messages for the job log. Default: plain lines on `io.stderr`, at `logLevel`. */
  logger?: Logger | undefined;
  /** Level of the default logger. Default `info`. */
  logLevel?: LogLevel | undefined;
  /** Format of the default logger's lines. Default `text`. */
  logFormat?: 'text' | 'json' | undefined;
  /** Aborted on SIGTERM/SIGINT (reason: the signal name): forwarded to apptainer, then SIGKILL after `kill_timeout`. */
  signal?: AbortSignal | undefined;
  /** Pull lock timing (tests). */
  lockTiming?: Partial<LockTiming> | undefined;
  /** This node's name. Default `os.hostname()`. */
  host?: string | undefined;
}

/** Writes an error for people to the job log: message, details, hint. */
export function reportError(logger: Logger, error: unknown): void {
  if (!(error instanceof Error)) {
    logger.error(String(error));
    return;
  }
  const e = error as ExecutorError;
  const lines = [e.message];
  if (Array.isArray(e.details)) for (const d of e.details) lines.push(`  ${d}`);
  if (typeof e.hint === 'string' && e.hint) lines.push(`hint: ${e.hint}`);
  logger.error(lines.join('\n'));
}

/**
 * Runs one executor step as gitlab-runner's custom executor protocol wants it and returns the process exit
 * code: 0; `$BUILD_FAILURE_EXIT_CODE` when the job's script failed (its real code goes to
 * `$BUILD_EXIT_CODE_FILE`) or the job asked for something impossible; `$SYSTEM_FAILURE_EXIT_CODE` when
 * the infrastructure failed (gitlab-runner then retries prepare). Never throws.
 */
export async function runExecutorStep(
  step: ExecutorStep,
  settings: ExecutorSettings,
  options: ExecutorOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const io = options.io ?? processIo;
  const job = new JobEnvironment(env);
  let logger =
    options.logger ??
    createLogger({ stream: io.stderr, env, level: options.logLevel, format: options.logFormat });
  const context: StepContext = {
    settings,
    job,
    env,
    cwd: options.cwd ?? process.cwd(),
    io,
    logger,
    signal: options.signal,
    lockTiming: options.lockTiming,
    host: options.host ?? os.hostname(),
  };
  try {
    if (step.name === 'config') {
      configStep(context);
      return 0;
    }
    const { jobSecrets } = await import('./job-secrets.js');
    logger = context.logger = redactingLogger(logger, jobSecrets(job, settings));
    // Loaded on demand: the config step (the most frequent) needs none of them.
    let result: StepResult = { ok: true };
    if (step.name === 'prepare') await (await import('./prepare-step.js')).prepareStep(context);
    else if (step.name === 'run')
      result = await (await import('./run-step.js')).runStep(context, step.script, step.stage);
    else await (await import('./cleanup-step.js')).cleanupStep(context);
    if (result.ok) return 0;
    writeBuildExitCode(job, result.exitCode, logger);
    return job.buildFailureExitCode;
  } catch (error) {
    reportError(logger, error);
    if (error instanceof ExecutorError && error.failure === 'build') return job.buildFailureExitCode;
    return job.systemFailureExitCode;
  }
}

function writeBuildExitCode(job: JobEnvironment, code: number, logger: Logger): void {
  if (!job.buildExitCodeFile) return;
  try {
    fs.writeFileSync(job.buildExitCodeFile, `${code}\n`);
  } catch (error) {
    logger.warn(`cannot write the job's exit code to ${job.buildExitCodeFile}: ${(error as Error).message}`);
  }
}
