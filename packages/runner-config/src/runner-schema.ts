import { z } from 'zod';
import { doc, THIS_AND_NAME } from './key-doc.js';
import { positiveInt } from './value-schemas.js';

// [runner]: the template of each runner's entry in the generated gitlab-runner config.

const step = (name: string, what: string) => ({
  exec: doc(z.string().prefault('$THIS'), {
    type: 'string',
    expansion: 'instance' as const,
    description: `The program gitlab-runner runs ${what}.`,
    example: '$THIS',
  }),
  args: doc(z.array(z.string()).prefault(['executor', '$NAME', name]), {
    type: 'array of strings',
    expansion: 'instance' as const,
    description: `Arguments of \`${name}_exec\`.`,
    example: ['executor', '$NAME', name],
  }),
});
const configStep = step('config', 'to configure a job (the config step)');
const prepareStep = step('prepare', 'to prepare a job (pull the image)');
const runStep = step('run', "for every part of a job's script");
const cleanupStep = step('cleanup', 'to clean up after a job');

const customSchema = doc(
  z.strictObject({
    config_exec: configStep.exec,
    config_args: configStep.args,
    prepare_exec: prepareStep.exec,
    prepare_args: prepareStep.args,
    run_exec: runStep.exec,
    run_args: runStep.args,
    cleanup_exec: cleanupStep.exec,
    cleanup_args: cleanupStep.args,
  }),
  {
    type: 'table',
    description:
      'How gitlab-runner calls the custom executor. The defaults call the `executor` subcommand of this program; change them only to wrap it (for example in `env` or a module load script).',
  },
);

export const runnerSchema = doc(
  z.strictObject({
    builds_dir: doc(z.string(), {
      type: 'string',
      expansion: 'instance',
      description: 'Directory where gitlab-runner clones and builds the jobs of this runner.',
      example: '$HOME/builds/$NAME/',
    }),
    cache_dir: doc(z.string(), {
      type: 'string',
      expansion: 'instance',
      description: "Directory for the runner's local cache (`cache:` in `.gitlab-ci.yml`).",
      example: '$HOME/cache/',
    }),
    output_limit: doc(positiveInt().optional(), {
      type: 'integer ≥ 1',
      commented: 16384,
      description:
        "Largest job log in kilobytes; gitlab-runner cuts the log there. Unset: gitlab-runner's default, 4096.",
    }),
    environment: doc(z.array(z.string()).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      description:
        'Extra environment variables for the jobs, each `NAME=value` once expanded (so `"$VAR"` may hold a whole entry). gitlab-runner passes them to the executor as job variables (`CUSTOM_ENV_NAME`); it ignores an entry without `=`, which `check-config` warns about.',
      example: ['ENV_VARIABLE=value'],
    }),
    executor: doc(
      z.enum(['custom', 'shell'], { error: 'expected one of "custom", "shell"' }).prefault('custom'),
      {
        type: '"custom" or "shell"',
        description:
          'The gitlab-runner executor: `custom`, the apptainer executor of this program, through [runner.custom]; or `shell`, jobs run directly on the compute node.',
        example: 'custom',
      },
    ),
    custom: customSchema.prefault({}),
  }),
  {
    type: 'table',
    description: `The template of each runner's entry in the generated gitlab-runner config file. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, the instance's config_variables, then the environment of \`configure\` (or \`check-config\`, \`show-config\`).`,
  },
);

/** `[runner.custom]`, not instantiated. */
export interface CustomExecutorSection {
  config_exec: string;
  config_args: string[];
  prepare_exec: string;
  prepare_args: string[];
  run_exec: string;
  run_args: string[];
  cleanup_exec: string;
  cleanup_args: string[];
}

/** `[runner]`, not instantiated. */
export interface RunnerSection {
  builds_dir: string;
  cache_dir: string;
  output_limit?: number | undefined;
  environment: string[];
  executor: 'custom' | 'shell';
  custom: CustomExecutorSection;
}
