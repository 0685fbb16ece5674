import { z } from 'zod';
import { isGitlabHostname } from './hostname.js';
import { parseDuration, parseSize } from './units.js';

/** How a string key is variable-expanded. */
export type Expansion =
  /** Per runner instance, with `$NAME`, `$THIS`, the instance's config_variables and the environment. */
  | 'instance'
  /** Like `instance`, but a variable that only exists when the job runs may stay unexpanded until then. */
  | 'job'
  /** Only from the environment, and only when the value contains `$`. */
  | 'environment'
  /** Taken as written. */
  | 'none';

/** Documentation of one key or section, attached to its schema; the example and docs/ are made from it. */
export interface KeyDoc {
  /** What the key does, for people (plain sentences; `code` in backticks). */
  description: string;
  /** The type in words: `string`, `array of strings`, `duration`, `table`, ... */
  type: string;
  /** What an error message says is expected, when `a(n) <type>` is not clear enough. */
  expected?: string;
  /** For strings: how the value is expanded. */
  expansion?: Expansion;
  /** The value the documented example sets. */
  example?: unknown;
  /** A value the example shows commented out (keys that are optional and unset by default). */
  commented?: unknown;
  /** For tables of named entries (`runners`): the entry name the example uses. */
  exampleKey?: string;
  /** A key added by this rewrite; the original tool does not know it. */
  added?: boolean;
}

/** The documentation registry of the config schema. */
export const configDocs = z.registry<KeyDoc>();

function doc<S extends z.ZodType>(schema: S, meta: KeyDoc): S {
  configDocs.add(schema, meta);
  return schema;
}

const DURATION = 'a duration: a number of seconds, or a string like "90s", "10m", "1h30m", "7d"';
const SIZE = 'a size: a number of bytes, or a string like "500M", "50G" (powers of 1024)';

/** A duration in the file; seconds after parsing. */
function duration(options: { positive?: boolean } = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      const negative = typeof value === 'number' ? value < 0 : /^\s*-/.test(value);
      const message = !negative
        ? `expected ${DURATION}`
        : options.positive
          ? 'expected a duration greater than 0'
          : 'expected a duration of 0 or more';
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    if (options.positive && seconds <= 0) {
      ctx.issues.push({ code: 'custom', message: 'expected a duration greater than 0', input: value });
      return z.NEVER;
    }
    return seconds;
  });
}

/** A size in the file; bytes after parsing. */
function size() {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', message: `expected ${SIZE}`, input: value });
      return z.NEVER;
    }
    return bytes;
  });
}

const positiveInt = () => z.int().min(1, { error: 'expected an integer of at least 1' });

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
const pullPolicy = () =>
  z.enum(PULL_POLICIES, { error: `expected one of ${PULL_POLICIES.map((p) => `"${p}"`).join(', ')}` });

const boolOrTemplate = () => z.union([z.boolean(), z.string()]);
const BOOL_OR_TEMPLATE = 'a boolean, or a string that expands to "true" or "false"';

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envPattern = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

const THIS_AND_NAME = '`$NAME` (the instance name), `$THIS` (this program)';

// ---------------------------------------------------------------------------------------------------------
// runners.<instance>

const runnerInstanceSchema = doc(
  z.strictObject({
    tags: doc(z.array(z.string()), {
      type: 'array of strings',
      description:
        "The job tags this runner takes. A pending job goes to the instance whose tags include all of the job's tags. The tags are also set on the runner in GitLab.",
      example: ['tag-1', 'tag-2'],
    }),
    launch_priority: doc(z.int().optional(), {
      type: 'integer',
      description:
        'When jobs for several instances wait, instances with a higher priority are launched first; instances without a priority come after all others.',
      example: 10,
    }),
    run_untagged: doc(z.boolean().prefault(false), {
      type: 'boolean',
      added: true,
      description:
        'Whether this runner also takes jobs without tags. It is set on the runner in GitLab when it is registered; untagged jobs are only launched for instances where it is true.',
    }),
    max_in_flight: doc(positiveInt().optional(), {
      type: 'integer ≥ 1',
      added: true,
      commented: 4,
      description:
        'At most this many launches of this instance may be queued or running at once. Unset: no limit.',
    }),
    config_variables: doc(
      z
        .record(
          z.string().regex(variableName, {
            error: 'expected a variable name: a letter or "_", then letters, digits or "_"',
          }),
          z.string({ error: 'expected a string (write numbers and booleans in quotes, e.g. "4")' }),
        )
        .prefault({}),
      {
        type: 'table of strings',
        description:
          'Variables of this instance for the [runner], [executor] and [launch] templates, used as `$VARIABLE` or `${VARIABLE}`. Every value must be a string.',
        example: { VARIABLE: 'value' },
      },
    ),
  }),
  {
    type: 'table',
    description:
      'Each instance is registered as one GitLab runner, and the [runner], [executor] and [launch] templates are instantiated for it with `$NAME` set to its name.',
  },
);

// ---------------------------------------------------------------------------------------------------------
// [poll]

const pollSchema = doc(
  z.strictObject({
    interval: doc(duration({ positive: true }), {
      type: 'duration',
      expected: 'a duration greater than 0: a number of seconds, or a string like "30s", "2m"',
      description: "Time between two requests for the project's pending jobs. Must be greater than 0.",
      example: 30,
    }),
  }),
  { type: 'table', description: 'How `gitlab-meta-runner run` watches the project for pending jobs.' },
);

// ---------------------------------------------------------------------------------------------------------
// [launch]

const launchSchema = doc(
  z.strictObject({
    executable: doc(z.string(), {
      type: 'string',
      expansion: 'instance',
      description:
        'The program that submits a launch, usually `sbatch`: a name looked up in `PATH`, or a path. It gets the `stdin` text on its standard input.',
      example: 'sbatch',
    }),
    args: doc(z.array(z.string()).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      description:
        'Arguments of the executable. Never put a secret here: command lines are visible to every user of the machine.',
      example: [],
    }),
    workdir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description:
        'Working directory of the executable. Unset: the working directory of `gitlab-meta-runner run`.',
      example: '$HOME/launch',
    }),
    stdin: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description:
        'Text written to the standard input of the executable. For `sbatch` this is the batch script, which runs `gitlab-runner run-single` for this instance; write `$$` for a `$` that the script itself should see.',
      example:
        '#!/bin/bash\ngitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1\n',
    }),
    timeout: doc(duration({ positive: true }).optional(), {
      type: 'duration',
      expected: `a duration greater than 0: a number of seconds, or a string like "90s", "5m"`,
      description:
        'How long one launch command may run before it is stopped and counted as failed. Unset: no limit.',
      example: 300,
    }),
    group_size: doc(positiveInt().prefault(1), {
      type: 'integer ≥ 1',
      description:
        'Up to this many pending jobs of one instance are handed to a single launch; the launch gets their number as `$NUM_JOBS`.',
      example: 1,
    }),
    batch_system: doc(
      z
        .enum(['auto', 'slurm', 'generic'], { error: 'expected one of "auto", "slurm", "generic"' })
        .prefault('auto'),
      {
        type: '"auto", "slurm" or "generic"',
        added: true,
        description:
          "`slurm`: the executable is `sbatch` (or a wrapper with its output); the batch job id is read from its output and followed with `squeue` and `scancel`. `generic`: any other batch system or plain command; see `status_command` and `pickup_timeout`. `auto`: `slurm` when the executable's file name is `sbatch`, else `generic`.",
      },
    ),
    status_command: doc(
      z.array(z.string()).min(1, { error: 'expected a program and its arguments' }).optional(),
      {
        type: 'array of strings',
        expansion: 'instance',
        added: true,
        commented: ['my-batch-status', '--running'],
        description:
          'For generic batch systems: a command (program, then arguments) that prints the ids of the batch jobs still queued or running, one per line, so that a launch counts as in flight until its batch job ends. Unset: launches count as in flight for `pickup_timeout`.',
      },
    ),
    cancel_stale: doc(z.boolean().prefault(false), {
      type: 'boolean',
      added: true,
      description:
        'Cancel a launch that is still queued in the batch system when every GitLab job it was started for is gone (cancelled, or taken by another runner).',
    }),
    pickup_timeout: doc(duration({ positive: true }).prefault('10m'), {
      type: 'duration',
      added: true,
      description:
        'When the state of a launch cannot be asked (no `status_command` and not Slurm), it counts as in flight for this long, then it is forgotten.',
    }),
    max_in_flight: doc(positiveInt().optional(), {
      type: 'integer ≥ 1',
      added: true,
      commented: 20,
      description:
        'At most this many launches, over all instances, may be queued or running at once. Unset: no limit.',
    }),
    concurrency: doc(positiveInt().prefault(4), {
      type: 'integer ≥ 1',
      added: true,
      description: 'How many launch commands may run at the same time.',
    }),
    failure_backoff: doc(duration({ positive: true }).prefault('30s'), {
      type: 'duration',
      added: true,
      description:
        'After a failed launch of an instance, wait this long before launching it again; the wait doubles with every further failure, up to 30 minutes.',
    }),
  }),
  {
    type: 'table',
    description: `How \`gitlab-meta-runner run\` starts ephemeral runners for pending jobs. Optional: without it, \`run\` cannot launch anything. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, \`$CONFIG\` (the generated gitlab-runner config file, for \`gitlab-runner run-single --config\`), \`$NUM_JOBS\` (the number of jobs in this launch), the instance's config_variables, then the environment of \`run\`.`,
  },
);

// ---------------------------------------------------------------------------------------------------------
// [executor]

const executorSchema = doc(
  z.strictObject({
    builds_dir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description:
        "Directory for the job's builds, in place of the one gitlab-runner suggests. Unset: [runner] `builds_dir`.",
      example: '$HOME/builds',
    }),
    image_dir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description: 'Directory where pulled images are kept as SIF files.',
      example: '$HOME/images',
    }),
    image_cache_dir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description: "Directory for apptainer's layer cache (`APPTAINER_CACHEDIR`).",
      example: '$HOME/image_cache',
    }),
    image_tmp_dir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description: 'Directory for temporary files while pulling (`APPTAINER_TMPDIR`).',
      example: '$HOME/image_tmp',
    }),
    pull_policy: doc(pullPolicy().prefault('if-not-present'), {
      type: '"always", "if-not-present" or "never"',
      expected: 'one of "always", "if-not-present", "never"',
      description:
        "When to pull a job's image: `always`, `if-not-present` (only when it is not in `image_dir` yet) or `never`.",
      example: 'if-not-present',
    }),
    apptainer_executable: doc(z.string().prefault('apptainer'), {
      type: 'string',
      expansion: 'instance',
      description: 'The apptainer (or singularity) program: a name looked up in `PATH`, or a path.',
      example: 'apptainer',
    }),
    gpu_amd: doc(boolOrTemplate().prefault(false), {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      expansion: 'instance',
      description:
        'Make AMD GPUs available in the container (`apptainer --rocm`). A string is expanded and must then be "true" or "false", e.g. "$USE_AMD_GPU".',
      example: false,
    }),
    gpu_nvidia: doc(boolOrTemplate().prefault(false), {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      expansion: 'instance',
      description:
        'Make NVIDIA GPUs available in the container (`apptainer --nv`). A string is expanded and must then be "true" or "false".',
      example: false,
    }),
    mount: doc(z.array(z.string()).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      description:
        'Extra bind mounts for the container, each `source[:destination[:ro|rw]]` (`apptainer --bind`).',
      example: [],
    }),
    description: doc(z.string().optional(), {
      type: 'string',
      expansion: 'job',
      description:
        'Text shown as the driver name at the top of the job log. It is expanded when the job runs, so it may use variables that exist only then, such as `$SLURM_JOB_ID`.',
      example: 'Slurm job $SLURM_JOB_ID',
    }),
    default_image: doc(z.string().optional(), {
      type: 'string',
      added: true,
      commented: 'docker://ubuntu:24.04',
      description: 'Image for jobs that do not name one (no `image:` in `.gitlab-ci.yml`).',
    }),
    allowed_images: doc(z.array(z.string()).optional(), {
      type: 'array of strings',
      added: true,
      commented: ['docker.io/library/*', 'ghcr.io/my-group/**'],
      description:
        'Glob patterns of the images jobs may use, as in the docker executor: `*` matches within one path segment, `**` across segments. Unset: any image.',
    }),
    allowed_pull_policies: doc(z.array(pullPolicy()).optional(), {
      type: 'array of pull policies',
      added: true,
      commented: ['if-not-present', 'always'],
      description:
        'The pull policies a job may ask for with `image: pull_policy`. Unset: only `pull_policy`.',
    }),
    predefined_stages: doc(
      z.enum(['host', 'image'], { error: 'expected one of "host", "image"' }).prefault('host'),
      {
        type: '"host" or "image"',
        added: true,
        description:
          "Where the predefined stages (fetching sources, caches and artifacts) run: `host`, on the compute node, which has `git` and `gitlab-runner`; or `image`, inside the job's image like the build script.",
      },
    ),
    pass_env: doc(
      z
        .array(
          z.string().regex(envPattern, {
            error: 'expected a variable name or a prefix pattern such as "MY_*"',
          }),
        )
        .prefault([]),
      {
        type: 'array of strings',
        added: true,
        description:
          'Names of extra environment variables to pass into the container (which starts with a clean environment), or prefix patterns such as `MY_*`. They add to the built-in list of GPU and Slurm variables.',
      },
    ),
    exec_args: doc(z.array(z.string()).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      added: true,
      description: 'Extra flags for `apptainer exec`, such as "--compat" or "--writable-tmpfs".',
    }),
    image_max_size: doc(size().optional(), {
      type: 'size',
      expected: SIZE,
      added: true,
      commented: '50G',
      description:
        'Upper bound on the total size of `image_dir`: the least recently used images are removed to stay below it. Unset: no bound.',
    }),
    image_max_age: doc(duration().optional(), {
      type: 'duration',
      added: true,
      commented: '30d',
      description: 'Images not used for this long are removed. Unset: images are kept.',
    }),
    kill_timeout: doc(duration().prefault('10s'), {
      type: 'duration',
      added: true,
      description:
        'When a job is cancelled or times out, the time between passing SIGTERM on to the job and killing it with SIGKILL.',
    }),
  }),
  {
    type: 'table',
    description: `The apptainer custom executor: gitlab-runner calls \`gitlab-meta-runner executor NAME STEP\` for every step of a job on the compute node, and it runs the job in the job's image. Every key is optional. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, the instance's config_variables, then the environment gitlab-runner gives the executor.`,
  },
);

// ---------------------------------------------------------------------------------------------------------
// [runner]

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

const runnerSchema = doc(
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
    environment: doc(z.array(z.string().regex(/^[^=]+=/, { error: 'expected "NAME=value"' })).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      description: 'Extra environment variables for the jobs, each `NAME=value`.',
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

// ---------------------------------------------------------------------------------------------------------
// the file

const fileName = (value: string) =>
  value !== '' && value !== '.' && value !== '..' && !/[/\\\x00]/.test(value);

/** The zod schema of the config file: the single source of truth for parsing, defaults, the example and docs. */
export const configSchema = doc(
  z.strictObject({
    name: doc(
      z
        .string()
        .refine(fileName, { error: 'expected a name usable in file names (no "/", not "." or "..")' }),
      {
        type: 'string',
        description:
          'Unique name of this meta-runner. The files in the data directory are named after it (`<name>.tokens`, `<name>.gitlab-config.toml`, `<name>.state`), so two meta-runners sharing a data directory need different names.',
        example: 'meta-runner',
      },
    ),
    project: doc(
      z
        .union([
          z
            .string()
            .min(1, { error: 'expected a project path such as "group/project", or a numeric project id' }),
          z.int().min(1),
        ])
        .transform((v) => String(v)),
      {
        type: 'string',
        expected: 'a project path such as "group/project", or a numeric project id',
        description:
          'The GitLab project whose jobs the runners take: its path (`group/project`) or its numeric id.',
        example: 'gitlab-org/gitlab',
      },
    ),
    hostname: doc(
      z.string().refine(isGitlabHostname, {
        error:
          'expected a host name such as "gitlab.com" or an http(s) URL such as "https://gitlab.example.org:8443"',
      }),
      {
        type: 'string',
        description:
          'The GitLab server: a host name such as `gitlab.com` (https is assumed), or a URL such as `https://gitlab.example.org:8443` or `http://127.0.0.1:8080`.',
        example: 'gitlab.com',
      },
    ),
    management_token: doc(z.string().min(1, { error: 'expected a token' }), {
      type: 'string',
      expansion: 'environment',
      description:
        'A GitLab access token of the project (or of a user) with the scopes `read_api`, `create_runner` and `manage_runner`; `configure` and `run` use it. Write a variable such as "$GITLAB_TOKEN" to read the token from the environment instead of keeping it in this file.',
      example: 'enter-your-token-here',
    }),
    rotate_tokens_within: doc(duration().prefault('7d'), {
      type: 'duration',
      added: true,
      description:
        '`configure` and `run` renew the authentication token of a runner that expires within this time.',
    }),
    runners: doc(z.record(z.string().min(1), runnerInstanceSchema), {
      type: 'table of runner instances',
      description: 'The runner instances: one table `[runners.<instance>]` each.',
      exampleKey: 'test-runner',
    }),
    poll: pollSchema,
    launch: launchSchema.optional(),
    executor: executorSchema.prefault({}),
    runner: runnerSchema,
  }),
  {
    type: 'table',
    description:
      'The config file of gitlab-meta-runner: who it is in GitLab, its runner instances, and the templates instantiated for each instance.',
  },
);

// ---------------------------------------------------------------------------------------------------------
// parsed types (TOML key names; durations in seconds, sizes in bytes, defaults applied)

/** One `[runners.<instance>]` table. */
export interface RunnerInstance {
  tags: string[];
  launch_priority?: number | undefined;
  run_untagged: boolean;
  max_in_flight?: number | undefined;
  config_variables: Record<string, string>;
}

export interface PollSection {
  /** Seconds. */
  interval: number;
}

export type BatchSystem = 'auto' | 'slurm' | 'generic';

/** `[launch]`, not instantiated. Durations in seconds. */
export interface LaunchSection {
  executable: string;
  args: string[];
  workdir?: string | undefined;
  stdin?: string | undefined;
  timeout?: number | undefined;
  group_size: number;
  batch_system: BatchSystem;
  status_command?: string[] | undefined;
  cancel_stale: boolean;
  pickup_timeout: number;
  max_in_flight?: number | undefined;
  concurrency: number;
  failure_backoff: number;
}

/** `[executor]`, not instantiated. Durations in seconds, sizes in bytes. */
export interface ExecutorSection {
  builds_dir?: string | undefined;
  image_dir?: string | undefined;
  image_cache_dir?: string | undefined;
  image_tmp_dir?: string | undefined;
  pull_policy: PullPolicy;
  apptainer_executable: string;
  gpu_amd: boolean | string;
  gpu_nvidia: boolean | string;
  mount: string[];
  description?: string | undefined;
  default_image?: string | undefined;
  allowed_images?: string[] | undefined;
  allowed_pull_policies?: PullPolicy[] | undefined;
  predefined_stages: 'host' | 'image';
  pass_env: string[];
  exec_args: string[];
  image_max_size?: number | undefined;
  image_max_age?: number | undefined;
  kill_timeout: number;
}

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

/** A parsed config file, defaults applied. `management_token` is already expanded from the environment. */
export interface Config {
  name: string;
  project: string;
  hostname: string;
  management_token: string;
  /** Seconds. */
  rotate_tokens_within: number;
  runners: Record<string, RunnerInstance>;
  poll: PollSection;
  launch?: LaunchSection | undefined;
  executor: ExecutorSection;
  runner: RunnerSection;
}

/** What the config file may hold before defaults (for editors and tests). */
export type ConfigInput = z.input<typeof configSchema>;

// The interfaces above must describe exactly what the schema produces.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Same<z.output<typeof configSchema>, Config> = true;
void schemaMatchesTypes;
