import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner check-config`: validate the config and instantiate every template. */
export const checkConfigCommand: CommandSpec = {
  command: 'check-config',
  describe:
    'Check the config file: every key, and [runner], [executor] and [launch] instantiated for every runner instance; lists every problem (exit 2) or prints OK',
  examples: [['$0 check-config --config-file site.toml', 'check site.toml']],
  load: async () => (await import('../handlers/check-config.js')).checkConfigHandler,
};
