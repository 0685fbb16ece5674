import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner run-single`: one poll-and-launch cycle. */
export const runSingleCommand: CommandSpec = {
  command: 'run-single',
  describe:
    'Poll the project for pending jobs once and launch runners for them (for cron or a systemd timer); exits 1 if a launch failed',
  examples: [['$0 run-single', 'one cycle: poll, match, launch, save the launch state']],
  load: async () => (await import('../handlers/run-single.js')).runSingleHandler,
};
