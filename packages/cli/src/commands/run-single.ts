import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner run-single`: one poll-and-launch cycle. */
export const runSingleCommand: CommandSpec = {
  command: 'run-single',
  describe:
    'Poll the project for pending jobs once and launch runners for them (for cron or a systemd timer); exits 1 if a launch failed',
  builder: (y: Argv) =>
    y.option('dry-run', {
      type: 'boolean',
      default: false,
      describe:
        'Poll, match and plan, then print what would be launched (instances, job ids, command line and script, secrets redacted); launch nothing and leave the launch state as it is',
    }),
  examples: [
    ['$0 run-single', 'one cycle: poll, match, launch, save the launch state'],
    ['$0 run-single --dry-run', 'show the sbatch command lines one cycle would run, and run none'],
  ],
  load: async () => (await import('../handlers/run-single.js')).runSingleHandler,
};
