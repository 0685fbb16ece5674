import type { CommandSpec } from './command.js';

/**
 * Every subcommand, in the order `--help` lists them. Each file holds only the yargs definition;
 * handlers are imported when their command runs.
 */
export const commands: CommandSpec[] = [];
