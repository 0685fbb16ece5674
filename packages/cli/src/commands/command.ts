import type { Argv } from 'yargs';
import type { CommandContext } from '../io.js';

/** What a command's handler returns: an exit code, or nothing for 0. */
export type CommandResult = number | undefined;

/** A subcommand: its yargs definition is small and loaded eagerly; its handler is imported only when it runs. */
export interface CommandSpec {
  /** yargs command string, e.g. `executor <instance> <step> [args..]`. */
  command: string;
  describe: string;
  builder?: (yargs: Argv) => Argv;
  examples?: ReadonlyArray<readonly [command: string, description: string]>;
  /** Imports the handler. */
  load: () => Promise<(context: CommandContext, args: Record<string, unknown>) => Promise<CommandResult>>;
}
