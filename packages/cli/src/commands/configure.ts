import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner configure`: register, update and delete runners, then write the gitlab-runner config. */
export const configureCommand: CommandSpec = {
  command: 'configure',
  describe:
    'Make the runners registered in GitLab match the runner instances of the config (register new ones, update existing ones, delete removed ones, renew expiring tokens), then write the tokens file, the gitlab-runner config and .runner_system_id',
  examples: [
    ['$0 configure', 'register or update one runner per instance of the default config file'],
    [
      '$0 configure --data-dir /shared/meta-runner',
      'keep tokens and the gitlab-runner config on shared storage',
    ],
  ],
  load: async () => (await import('../handlers/configure.js')).configureHandler,
};
