import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner run`: poll and launch until stopped. */
export const runCommand: CommandSpec = {
  command: 'run',
  describe:
    'Poll the project for pending jobs every [poll] interval and launch runners for them through [launch] (sbatch), until SIGINT or SIGTERM',
  examples: [
    ['$0 run', 'launch runners for pending jobs until stopped'],
    ['$0 run --log-format json', 'the same, logging one JSON object per line (for a service manager)'],
  ],
  load: async () => (await import('../handlers/run.js')).runHandler,
};
