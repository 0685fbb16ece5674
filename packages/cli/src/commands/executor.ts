import type { CommandSpec } from './command.js';

/**
 * `gitlab-meta-runner executor <instance> <step> [args..]`: the apptainer custom executor gitlab-runner calls.
 * Calls from gitlab-runner are routed before yargs loads (see bin.ts); this definition serves --help and
 * unusual command lines.
 */
export const executorCommand: CommandSpec = {
  command: 'executor <instance> <step> [args..]',
  describe:
    'The gitlab-runner custom executor (apptainer/singularity): run one step of a job, config | prepare | run <script> <stage> | cleanup, with [executor] instantiated for <instance>',
  builder: (y) =>
    y
      .positional('instance', { type: 'string', describe: 'The runner instance ([runners.<instance>])' })
      .positional('step', {
        type: 'string',
        choices: ['config', 'prepare', 'run', 'cleanup'],
        describe: 'The step gitlab-runner asks for',
      })
      .positional('args', { type: 'string', array: true, describe: 'For run: <script> <stage>' })
      .epilogue(
        "gitlab-runner starts this for every step of a job (see [runner.custom] in the generated config). Exit codes follow its protocol: $BUILD_FAILURE_EXIT_CODE when the job's script failed, $SYSTEM_FAILURE_EXIT_CODE when the executor, apptainer or the config did.",
      ),
  examples: [
    ['CUSTOM_ENV_CI_JOB_ID=1 $0 executor gpu config', 'print the config step\'s JSON for instance "gpu"'],
  ],
  load: async () => (await import('../handlers/executor.js')).executorHandler,
};
