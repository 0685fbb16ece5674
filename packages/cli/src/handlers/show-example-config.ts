import { useColor } from '@mr/logger';
import { exampleConfig, highlightToml } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';

/** Prints the documented example; with TOML colours on a terminal, never with NO_COLOR. */
export async function showExampleConfigHandler(context: CommandContext): Promise<CommandResult> {
  const text = exampleConfig();
  context.stdout.write(useColor(context.stdout, context.env) ? highlightToml(text) : text);
  return 0;
}
