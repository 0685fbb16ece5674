import { homedir } from 'node:os';
import { generatedConfigPath, instantiateAll, loadConfig } from '@mr/runner-config';
import type { CommandContext } from '../io.js';

/**
 * The command's config with `[runner]`, `[executor]` and `[launch]` instantiated for every instance, as
 * check-config and show-config show them; `configPath` is the generated gitlab-runner config (`$CONFIG`).
 */
export async function loadInstantiatedConfig(context: CommandContext) {
  const config = await loadConfig(context.configFile, { env: context.env });
  const configPath = generatedConfigPath(context.dataDir, config.name, context.generatedConfigFile);
  const instances = instantiateAll(config, {
    thisPath: context.thisPath,
    env: context.env,
    home: context.env.HOME || homedir(),
    configPath,
  });
  return { config, configPath, instances };
}
