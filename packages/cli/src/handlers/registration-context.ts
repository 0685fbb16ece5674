import { homedir } from 'node:os';
import type { CommandContext } from '../io.js';

/**
 * What every registration call (configure, token renewal, resource runners) needs from the command's
 * context: where the tokens and the generated gitlab-runner config live, and how the generated
 * `[runners.custom]` commands call this executable.
 */
export function registrationContext(context: CommandContext) {
  return {
    dataDir: context.dataDir,
    generatedConfigFile: context.generatedConfigFile,
    context: {
      thisPath: context.thisPath,
      env: context.env,
      home: context.env.HOME || homedir(),
      configFile: context.configFile,
    },
    logger: context.logger,
  };
}
