import { configScope, configWarnings, describeScope, instanceWarnings } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';
import { loadInstantiatedConfig } from './instantiated-config.js';

/**
 * Parses and validates the config, then instantiates [runner], [executor] and [launch] for every instance.
 * Problems are thrown as one ConfigError listing all of them (the CLI prints them and exits 2).
 */
export async function checkConfigHandler(context: CommandContext): Promise<CommandResult> {
  const { config, instances } = await loadInstantiatedConfig(context);
  const warnings = [
    ...configWarnings(config),
    ...instanceWarnings(instances, { env: context.env, cwd: context.cwd }),
  ];
  for (const warning of warnings) context.logger.warn(warning);
  const names = Object.keys(config.runners);
  const sections = config.launch ? '[runner], [executor] and [launch]' : '[runner] and [executor]';
  context.stdout.write(
    `OK: ${context.configFile}: ${names.length} runner instance${names.length === 1 ? '' : 's'}${
      names.length > 0 ? ` (${names.join(', ')})` : ''
    } for ${describeScope(configScope(config))}${names.length > 0 ? `; ${sections} instantiated for each` : ''}\n`,
  );
  return 0;
}
