import { homedir } from 'node:os';
import { configure, formatConfigureSummary } from '@mr/registration';
import { configWarnings, loadConfig } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';

/**
 * Loads the config and reconciles GitLab's runners with it (see `configure` in @mr/launcher). Prints a
 * summary to stdout; exits 1 when any instance failed, after writing everything that succeeded.
 */
export async function configureHandler(context: CommandContext): Promise<CommandResult> {
  const config = await loadConfig(context.configFile, { env: context.env });
  for (const warning of configWarnings(config)) context.logger.warn(warning);
  const result = await configure({
    config,
    dataDir: context.dataDir,
    generatedConfigFile: context.generatedConfigFile,
    context: {
      thisPath: context.thisPath,
      env: context.env,
      home: context.env.HOME || homedir(),
      configFile: context.configFile,
    },
    logger: context.logger,
  });
  context.stdout.write(formatConfigureSummary(result));
  return result.failed.length > 0 ? 1 : 0;
}
