import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner show-config`: the config as understood, and every instance's instantiated sections. */
export const showConfigCommand: CommandSpec = {
  command: 'show-config',
  describe:
    'Print the config as understood (defaults filled in) and, per runner instance, the instantiated [runner], [executor] and [launch] sections; secrets redacted',
  builder: (y: Argv) =>
    y.option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of TOML' }),
  examples: [
    ['$0 show-config', 'print TOML'],
    ['$0 show-config --json | jq .instances', 'the instantiated sections as JSON'],
  ],
  load: async () => (await import('../handlers/show-config.js')).showConfigHandler,
};
