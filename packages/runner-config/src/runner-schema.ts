import { z } from 'zod';
import { doc, THIS_AND_NAME } from './key-doc.js';
import { positiveInt } from './value-schemas.js';

// [runner]: the template of each runner's entry in the generated gitlab-runner config.

/** The shells gitlab-runner knows (`RunnerSettings.Shell`, common/config.go, v19.3.0). */
export const SHELLS = ['bash', 'sh', 'pwsh', 'powershell', 'cmd'] as const;

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

// gitlab-runner's own keys, passed through to the generated config with its names and types (common/config.go,
// gitlab-runner v19.3.0): `CustomConfig.*ExecTimeout`, `GracefulKillTimeout`, `ForceKillTimeout` are `*int`
// seconds, and a value of 0 or less means its default (`getDuration`, executors/custom/config.go).
const seconds = (what: string, fallback: string, commented: number) =>
  doc(z.int({ error: 'expected a whole number of seconds' }).optional(), {
    type: 'integer (seconds)',
    added: true,
    commented,
    description: `${what} Unset: gitlab-runner's default, ${fallback} (0 or less means the same).`,
  });

const customSchema = doc(
  z.strictObject({
    config_exec: configStep.exec,
    config_args: configStep.args,
    config_exec_timeout: seconds(
      'Seconds gitlab-runner lets the config step run before it kills it.',
      'one hour',
      3600,
    ),
    prepare_exec: prepareStep.exec,
    prepare_args: prepareStep.args,
    prepare_exec_timeout: seconds(
      "Seconds gitlab-runner lets the prepare step run, which pulls the job's image, before it kills it and fails the job. Raise it when pulling a large image can take longer.",
      'one hour (`defaultPrepareExecTimeout`, executors/custom/consts.go, v19.3.0)',
      7200,
    ),
    run_exec: runStep.exec,
    run_args: runStep.args,
    cleanup_exec: cleanupStep.exec,
    cleanup_args: cleanupStep.args,
    cleanup_exec_timeout: seconds(
      'Seconds gitlab-runner lets the cleanup step run before it kills it.',
      'one hour',
      3600,
    ),
    graceful_kill_timeout: seconds(
      'When a job is cancelled or times out, seconds gitlab-runner waits after SIGTERM to a step before it kills the step.',
      '600 (10 minutes)',
      600,
    ),
    force_kill_timeout: seconds(
      'Seconds gitlab-runner waits after killing a step before it gives up on it and logs an error.',
      '10',
      10,
    ),
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
    shell: doc(
      z.enum(SHELLS, { error: `expected one of ${SHELLS.map((s) => `"${s}"`).join(', ')}` }).optional(),
      {
        type: '"bash", "sh", "pwsh", "powershell" or "cmd"',
        added: true,
        commented: 'bash',
        description:
          "The shell gitlab-runner writes the job's scripts for (gitlab-runner's `shell`). Unset: gitlab-runner's default for the executor, bash on Linux. The apptainer executor runs scripts with bash (or sh where the image has no bash), so with `executor = \"custom\"` only `bash` and `sh` work.",
      },
    ),
    custom: customSchema.prefault({}),
    custom_build_dir: doc(
      z
        .strictObject({
          enabled: doc(z.boolean().optional(), {
            type: 'boolean',
            added: true,
            commented: true,
            description:
              "Whether jobs may choose their build directory with `GIT_CLONE_PATH` (gitlab-runner's `[runners.custom_build_dir] enabled`). Unset: gitlab-runner's default for the executor.",
          }),
        })
        .prefault({}),
      {
        type: 'table',
        description: "gitlab-runner's custom build directories, passed to the generated config as written.",
      },
    ),
    feature_flags: doc(
      z.record(z.string().min(1), z.boolean({ error: 'expected true or false' })).prefault({}),
      {
        type: 'table of booleans',
        added: true,
        description:
          "gitlab-runner feature flags for this runner, such as `FF_USE_FASTZIP = true` (gitlab-runner's `[runners.feature_flags]`; see its feature-flags documentation). gitlab-runner ignores names it does not know.",
      },
    ),
  }),
  {
    type: 'table',
    description: `The template of each runner's entry in the generated gitlab-runner config file. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, the instance's config_variables, then the environment of \`configure\` (or \`check-config\`, \`show-config\`).`,
  },
);

/** `[runner.custom]`, not instantiated. Timeouts in seconds, as gitlab-runner reads them. */
export interface CustomExecutorSection {
  config_exec: string;
  config_args: string[];
  config_exec_timeout?: number | undefined;
  prepare_exec: string;
  prepare_args: string[];
  prepare_exec_timeout?: number | undefined;
  run_exec: string;
  run_args: string[];
  cleanup_exec: string;
  cleanup_args: string[];
  cleanup_exec_timeout?: number | undefined;
  graceful_kill_timeout?: number | undefined;
  force_kill_timeout?: number | undefined;
}

/** `[runner]`, not instantiated. */
export interface RunnerSection {
  builds_dir: string;
  cache_dir: string;
  output_limit?: number | undefined;
  environment: string[];
  executor: 'custom' | 'shell';
  shell?: (typeof SHELLS)[number] | undefined;
  custom: CustomExecutorSection;
  custom_build_dir: { enabled?: boolean | undefined };
  feature_flags: Record<string, boolean>;
}
