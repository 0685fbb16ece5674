import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner create-example-config`: write the documented example to the config path. */
export const createExampleConfigCommand: CommandSpec = {
  command: 'create-example-config',
  describe:
    'Write the documented example config to the config file path (creating its directory); never overwrites an existing file (exit 2)',
  examples: [
    ['$0 create-example-config', 'write ~/.config/gitlab-meta-runner.toml'],
    ['$0 create-example-config --config-file site.toml', 'write site.toml'],
  ],
  load: async () => (await import('../handlers/create-example-config.js')).createExampleConfigHandler,
};
