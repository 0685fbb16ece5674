import { createLogger, levelFromFlags } from '@mr/logger';
import { scopes } from '@mr/template';
import { os } from './builtins.js';
import type { ExecutorIo } from './child-process.js';
import { ExecutorError } from './errors.js';
import { reportError, runExecutorStep } from './executor.js';
import { type Env, JobEnvironment } from './job-environment.js';
import { processIo } from './process-io.js';
import type { ExecutorSettings } from './setting-keys.js';
import { settingsFromSection } from './settings.js';
import { parseStandaloneArgv, STANDALONE_USAGE } from './standalone-argv.js';
import { readStandaloneConfig } from './standalone-config.js';
import { parseStep } from './step.js';
import { executorVersion } from './version.js';

export interface StandaloneIo extends ExecutorIo {
  env: Env;
  cwd: string;
}

/** Reads the settings of `mr-apptainer-executor` from its config file and options. */
export function standaloneSettings(
  configFile: string | undefined,
  options: Record<string, unknown>,
  env: Env,
): ExecutorSettings {
  const fromFile = configFile ? readStandaloneConfig(configFile) : {};
  return settingsFromSection(
    { ...fromFile, ...options },
    {
      originOf: (key) => (key in options || !configFile ? 'the command line' : configFile),
      variables: scopes(env),
      home: env.HOME || os.homedir(),
    },
  );
}

/** `mr-apptainer-executor [options] <step>`: returns the exit code gitlab-runner expects. */
export async function standaloneMain(argv: readonly string[], io?: Partial<StandaloneIo>): Promise<number> {
  const env = io?.env ?? process.env;
  const full: StandaloneIo = {
    ...(io?.stdout && io.stderr ? { stdout: io.stdout, stderr: io.stderr } : processIo),
    env,
    cwd: io?.cwd ?? process.cwd(),
  };
  const job = new JobEnvironment(env);
  let logger = createLogger({ stream: full.stderr, env });
  let step: ReturnType<typeof parseStep>;
  let settings: ExecutorSettings;
  try {
    const args = parseStandaloneArgv(argv);
    logger = createLogger({ stream: full.stderr, env, level: levelFromFlags(args.verbose, args.quiet) });
    if (args.help) {
      full.stdout.write(STANDALONE_USAGE);
      return 0;
    }
    if (args.version) {
      full.stdout.write(`${executorVersion()}\n`);
      return 0;
    }
    step = parseStep(args.positional);
    settings = standaloneSettings(args.configFile, args.settings, env);
  } catch (error) {
    reportError(logger, error);
    // Started by gitlab-runner: a system failure; started by hand: 2, like other usage errors.
    const code = env.SYSTEM_FAILURE_EXIT_CODE ? job.systemFailureExitCode : 2;
    return error instanceof ExecutorError ? code : job.systemFailureExitCode;
  }
  if (step.name === 'config')
    return runExecutorStep(step, settings, { env, cwd: full.cwd, io: full, logger });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await runExecutorStep(step, settings, {
      env,
      cwd: full.cwd,
      io: full,
      logger,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
