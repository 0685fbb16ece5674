import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner show-example-config`: print the documented example config. */
export const showExampleConfigCommand: CommandSpec = {
  command: 'show-example-config',
  describe: 'Print a documented example config file (every key with a comment)',
  examples: [['$0 show-example-config > my-config.toml', 'start a config file from the example']],
  load: async () => (await import('../handlers/show-example-config.js')).showExampleConfigHandler,
};
