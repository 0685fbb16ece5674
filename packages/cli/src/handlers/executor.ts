import { type ExecutorSettings, parseStep, processIo, runExecutorStep } from '@mr/apptainer-executor';
import type { Logger, LogLevel } from '@mr/logger';
import { loadExecutorSettings } from '@mr/runner-config/executor';
import type { CommandResult } from '../commands/command.js';
import type { ScannedArgv } from '../global-options.js';
import type { CliIo, CommandContext } from '../io.js';
import { resolvePaths } from '../paths.js';

// Without the ES module wrapper of node:os: this module is on the executor's hot path (see bin.ts).
const { homedir } = process.getBuiltinModule('node:os');

/** What running a step needs from the command's context; without a logger, the executor makes its own. */
export type ExecutorContext = Pick<
  CommandContext,
  'stdout' | 'stderr' | 'env' | 'cwd' | 'thisPath' | 'configFile' | 'logLevel' | 'logFormat'
> & { logger?: Logger | undefined };

/** The exit code for a failure before the step ran: gitlab-runner's system failure code, else the CLI's. */
async function failure(context: ExecutorContext, error: unknown): Promise<number> {
  const { exitCodeFor, formatError } = await import('../errors.js');
  context.stderr.write(formatError(error, context.logLevel === 'debug'));
  const code = Number(context.env.SYSTEM_FAILURE_EXIT_CODE);
  return context.env.SYSTEM_FAILURE_EXIT_CODE && Number.isInteger(code) ? code : exitCodeFor(error);
}

/**
 * Runs one executor step for a runner instance: instantiates `[executor]` with the light loader, then the
 * same library entry as `mr-apptainer-executor`. SIGTERM and SIGINT are passed on to apptainer.
 */
export async function runExecutor(
  context: ExecutorContext,
  instance: string,
  stepArgs: readonly string[],
): Promise<number> {
  let settings: ExecutorSettings;
  let step: ReturnType<typeof parseStep>;
  try {
    step = parseStep(stepArgs);
    settings = await loadExecutorSettings(context.configFile, instance, {
      env: context.env,
      thisPath: context.thisPath,
      home: context.env.HOME || homedir(),
    });
  } catch (error) {
    return await failure(context, error);
  }
  const io = { stdout: context.stdout, stderr: context.stderr, inherit: context.stdout === processIo.stdout };
  const options = {
    env: context.env,
    cwd: context.cwd,
    io,
    logger: context.logger,
    logLevel: context.logLevel,
    logFormat: context.logFormat,
  };
  if (step.name === 'config') return runExecutorStep(step, settings, options);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await runExecutorStep(step, settings, { ...options, signal: controller.signal });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** The yargs handler of `executor <instance> <step> [args..]`. */
export async function executorHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  const rest = (args.args as string[] | undefined) ?? [];
  return runExecutor(context, String(args.instance), [String(args.step), ...rest.map(String)]);
}

/**
 * The hot path, taken before yargs loads: `executor <instance> <step> ...` with only global options.
 * Returns undefined when the arguments are not a valid step, so that the full parser explains them.
 */
export async function executorFastPath(
  scanned: ScannedArgv,
  io: Omit<CliIo, 'stdout' | 'stderr'> & Partial<CliIo>,
): Promise<number | undefined> {
  const [, instance, ...stepArgs] = scanned.rest;
  if (!instance || instance.startsWith('-')) return undefined;
  try {
    parseStep(stepArgs);
  } catch {
    return undefined;
  }
  // Unless given others, the process's stdout and stderr as plain file descriptors (no stream machinery).
  const full: CliIo = { ...io, stdout: io.stdout ?? processIo.stdout, stderr: io.stderr ?? processIo.stderr };
  // What createContext() does, without the modules the other commands need (each file costs time on every
  // start): the executor makes its logger itself, at the level of -v/-q (as levelFromFlags() counts them).
  const { verbose, quiet } = scanned.options;
  const logLevel: LogLevel = quiet ? 'warn' : verbose >= 2 ? 'debug' : verbose === 1 ? 'verbose' : 'info';
  const context: ExecutorContext = {
    ...full,
    ...resolvePaths(scanned.options, full.env, full.cwd),
    logLevel,
    logFormat: scanned.options.logFormat ?? 'text',
  };
  return runExecutor(context, instance, stepArgs);
}
