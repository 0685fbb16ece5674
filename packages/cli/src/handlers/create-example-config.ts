import { ConfigError, exampleConfig, RunnerConfigError, writeFileAtomic } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';

/** Writes the documented example to the config path (mode 0600: it will hold a token); never overwrites. */
export async function createExampleConfigHandler(context: CommandContext): Promise<CommandResult> {
  const file = context.configFile;
  try {
    await writeFileAtomic(file, exampleConfig(), { mode: 0o600, mkdir: true, overwrite: false });
  } catch (error) {
    if (error instanceof RunnerConfigError && error.code === 'MR_WRITE_EXISTS') {
      throw new ConfigError('MR_CONFIG_EXISTS', `${file} already exists; it was not changed`, {
        file,
        hint: 'name another file with --config-file, or run gitlab-meta-runner show-example-config to see the example',
      });
    }
    throw error;
  }
  context.stdout.write(`wrote an example config to ${file}\n`);
  context.logger.info(
    'next: set name, project, hostname and management_token, describe your runner instances, then run gitlab-meta-runner check-config',
  );
  return 0;
}
