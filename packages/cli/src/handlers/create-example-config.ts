import { writeExampleConfig } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';

/** Writes the documented example to the config path (mode 0600: it will hold a token); never overwrites. */
export async function createExampleConfigHandler(context: CommandContext): Promise<CommandResult> {
  const file = context.configFile;
  await writeExampleConfig(file);
  context.stdout.write(`wrote an example config to ${file}\n`);
  context.logger.info(
    'next: set name, project, hostname and management_token, describe your runner instances, then run gitlab-meta-runner check-config',
  );
  return 0;
}
