import { configure, formatConfigureSummary } from '@mr/registration';
import { configWarnings, loadConfig } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';
import { registrationContext } from './registration-context.js';

/**
 * Loads the config and reconciles GitLab's runners with it (see `configure` in @mr/launcher). Prints a
 * summary to stdout; exits 1 when any instance failed, after writing everything that succeeded.
 */
export async function configureHandler(context: CommandContext): Promise<CommandResult> {
  const config = await loadConfig(context.configFile, { env: context.env });
  for (const warning of configWarnings(config)) context.logger.warn(warning);
  const result = await configure({
    config,
    ...registrationContext(context),
  });
  context.stdout.write(formatConfigureSummary(result));
  return result.failed.length > 0 ? 1 : 0;
}
