export { CLI_ERROR_CODES, type CliErrorCode, EXIT, exitCodeFor, formatError, UsageError } from './errors.js';
export { type GlobalOptions, type ScannedArgv, scanArgv } from './global-options.js';
export type { CliIo, CommandContext } from './io.js';
export { defaultConfigFile, defaultDataDir, resolvePaths } from './paths.js';
