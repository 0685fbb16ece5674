import { LauncherError } from './errors.js';
import { runProcess } from './run-process.js';

/** How a batch system's status or cancel command is run. */
export interface StatusCommandOptions {
  /** The complete environment of the command. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** The message of the error, before `: <why>` (it names the command). */
  failure: string;
  hint: string;
}

/**
 * Runs a status command (`squeue`, `scancel`, `[launch] status_command`) and returns its stdout. A command
 * that cannot start, times out or exits non-zero throws `MR_LAUNCH_STATUS_FAILED` with the end of its stderr.
 */
export async function runStatusCommand(
  file: string,
  args: string[],
  options: StatusCommandOptions,
): Promise<string> {
  const { env, timeoutMs } = options;
  const result = await runProcess({ file, args, env, timeoutMs, killGraceMs: 2000 });
  if (result.exitCode !== 0) {
    const why = result.spawnError
      ? result.spawnError.message
      : result.timedOut
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : `exit code ${result.exitCode ?? result.signal}`;
    throw new LauncherError('MR_LAUNCH_STATUS_FAILED', `${options.failure}: ${why}`, {
      details: result.stderr.trim() ? result.stderr.trim().split('\n').slice(-10) : undefined,
      hint: options.hint,
    });
  }
  return result.stdout;
}
