import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner demo`: the whole flow against a simulated GitLab, with no cluster. */
export const demoCommand: CommandSpec = {
  command: 'demo',
  describe:
    'Run the whole flow with no GitLab and no cluster: a GitLab API simulator on 127.0.0.1 with pending jobs, `configure`, then the real launcher with a local stand-in for sbatch and gitlab-runner, until every job it can match is done',
  builder: (y: Argv) =>
    y
      // No `type: 'number'`: yargs would turn `--jobs abc` into NaN; the handler names what was given.
      .option('jobs', {
        default: 12,
        requiresArg: true,
        describe: 'How many matchable jobs to queue (1-200)',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'Keep the demo directory (config, tokens, state, logs)',
      })
      .option('serve', {
        type: 'boolean',
        default: false,
        describe:
          'Only start the GitLab simulator with pending jobs and write a config for it, then serve until Ctrl-C: run configure, run-single, run and status against it yourself (keeps the directory)',
      })
      .option('dir', {
        type: 'string',
        describe: 'Use this directory instead of a new temporary one (implies --keep)',
      })
      // The demo writes its own config, data directory and gitlab-runner config in its directory.
      .hide('config-file')
      .hide('data-dir')
      .hide('generated-config-file'),
  examples: [
    ['$0 demo', 'twelve jobs, then a summary'],
    ['$0 demo --jobs 40 --keep', 'more jobs; keep the files to look at afterwards'],
    ['$0 demo --serve --dir ~/mr-try', 'a simulated GitLab to try the other commands against'],
  ],
  load: async () => (await import('../handlers/demo.js')).demoHandler,
};
