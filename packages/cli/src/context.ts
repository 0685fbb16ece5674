import { createLogger, levelFromFlags } from '@mr/logger';
import type { GlobalOptions } from './global-options.js';
import type { CliIo, CommandContext } from './io.js';
import { resolvePaths } from './paths.js';

/** Builds what a command handler gets from the global options and the process. */
export function createContext(options: GlobalOptions, io: CliIo): CommandContext {
  const paths = resolvePaths(options, io.env, io.cwd);
  const logLevel = levelFromFlags(options.verbose, options.quiet);
  const logFormat = options.logFormat ?? 'text';
  return {
    ...io,
    ...paths,
    logLevel,
    logFormat,
    logger: createLogger({ level: logLevel, format: logFormat, stream: io.stderr, env: io.env }),
  };
}
