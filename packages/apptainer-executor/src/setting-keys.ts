// The one description of the executor's settings: the keys of `[executor]` in gitlab-meta-runner's config
// file and of `mr-apptainer-executor --config`, their kinds, defaults and documentation. Plain data, so that
// the standalone reader, the meta-runner's fast loader and its zod schema (in @mr/runner-config) all derive
// from it. Keys are the TOML keys; durations are milliseconds and sizes bytes once read.

/** How a setting is written and read. */
export type SettingKind =
  /** A directory: a string, expanded, then an absolute path. */
  | 'dir'
  /** A program: a string, expanded, a name looked up in `PATH` or a path. */
  | 'program'
  /** A boolean, or a string that expands to "true" or "false". */
  | 'flag'
  /** An array of strings, each expanded. */
  | 'expanded-list'
  /** A string expanded when the job runs: variables that are not defined stay as written. */
  | 'job-text'
  /** A non-empty string, taken as written. */
  | 'image'
  /** An array of strings, taken as written. */
  | 'list'
  /** An array of variable names or prefix patterns (`MY_*`). */
  | 'env-names'
  | 'pull-policy'
  | 'pull-policies'
  | 'stages'
  /** HOME in the container: "job", "user" or "none". */
  | 'home'
  /** Bytes, or a string such as "50G". */
  | 'size'
  /** Seconds, or a string such as "90s", "10m", "7d"; milliseconds once read. */
  | 'duration';

/** Documentation of one setting; the meta-runner's example config and docs/configuration.md show it. */
export interface SettingDoc {
  /** The type in words. */
  type: string;
  /** What the setting does, in plain sentences (`code` in backticks). */
  description: string;
  /** What an error message says is expected, when the type in words is not clear enough. */
  expected?: string;
  /** The value the documented example sets. */
  example?: unknown;
  /** A value the example shows commented out. */
  commented?: unknown;
  /** Added by this rewrite; the original tool does not know it. */
  added?: boolean;
}

export interface SettingSpec {
  kind: SettingKind;
  /** The value when the setting is not given, as it would be written in the file. */
  default?: unknown;
  /** The executor cannot run without it (the meta-runner fills it in from `[runner]`). */
  required?: boolean;
  /** Only for the standalone executor: the meta-runner takes it from `[runner]`, not from `[executor]`. */
  fromRunner?: boolean;
  /** A duration used as a timer, so bounded by Node's timer limit. */
  timer?: boolean;
  doc: SettingDoc;
}

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export const CONTAINER_HOMES = ['job', 'user', 'none'] as const;
/** HOME in the container: the job's own directory, the user's home, or none. */
export type ContainerHome = (typeof CONTAINER_HOMES)[number];

export const PREDEFINED_STAGES = ['host', 'image'] as const;
/** Where the predefined stages (get_sources, caches, artifacts, ...) run. */
export type PredefinedStages = (typeof PREDEFINED_STAGES)[number];

const BOOL_OR_TEMPLATE = 'a boolean, or a string that expands to "true" or "false"';
const SIZE = 'a size: a number of bytes, or a string like "500M", "50G" (powers of 1024)';
const POLICIES = 'one of "always", "if-not-present", "never"';

/** Every executor setting, in the order the docs show them. */
export const EXECUTOR_SETTINGS = {
  builds_dir: {
    kind: 'dir',
    required: true,
    doc: {
      type: 'string',
      description:
        "Directory for the job's builds, in place of the one gitlab-runner suggests. Unset: [runner] `builds_dir`.",
      example: '$HOME/builds',
    },
  },
  cache_dir: {
    kind: 'dir',
    fromRunner: true,
    doc: { type: 'string', description: "gitlab-runner's cache directory, bound into the container." },
  },
  image_dir: {
    kind: 'dir',
    doc: {
      type: 'string',
      description: 'Directory where pulled images are kept as SIF files.',
      example: '$HOME/images',
    },
  },
  image_cache_dir: {
    kind: 'dir',
    doc: {
      type: 'string',
      description: "Directory for apptainer's layer cache (`APPTAINER_CACHEDIR`).",
      example: '$HOME/image_cache',
    },
  },
  image_tmp_dir: {
    kind: 'dir',
    doc: {
      type: 'string',
      description: 'Directory for temporary files while pulling (`APPTAINER_TMPDIR`).',
      example: '$HOME/image_tmp',
    },
  },
  pull_policy: {
    kind: 'pull-policy',
    default: 'if-not-present',
    doc: {
      type: '"always", "if-not-present" or "never"',
      expected: POLICIES,
      description:
        "When to pull a job's image: `always`, `if-not-present` (only when it is not in `image_dir` yet) or `never`.",
      example: 'if-not-present',
    },
  },
  apptainer_executable: {
    kind: 'program',
    default: 'apptainer',
    doc: {
      type: 'string',
      description: 'The apptainer (or singularity) program: a name looked up in `PATH`, or a path.',
      example: 'apptainer',
    },
  },
  gpu_amd: {
    kind: 'flag',
    default: false,
    doc: {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      description:
        'Make AMD GPUs available in the container (`apptainer --rocm`). A string is expanded and must then be "true" or "false", e.g. "$USE_AMD_GPU".',
      example: false,
    },
  },
  gpu_nvidia: {
    kind: 'flag',
    default: false,
    doc: {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      description:
        'Make NVIDIA GPUs available in the container (`apptainer --nv`). A string is expanded and must then be "true" or "false".',
      example: false,
    },
  },
  mount: {
    kind: 'expanded-list',
    default: [],
    doc: {
      type: 'array of strings',
      description:
        'Extra bind mounts for the container, each `source[:destination[:ro|rw]]` (`apptainer --bind`).',
      example: [],
    },
  },
  description: {
    kind: 'job-text',
    doc: {
      type: 'string',
      description:
        'Text shown as the driver name at the top of the job log. It is expanded when the job runs, so it may use variables that exist only then, such as `$SLURM_JOB_ID`.',
      example: 'Slurm job $SLURM_JOB_ID',
    },
  },
  default_image: {
    kind: 'image',
    doc: {
      type: 'string',
      added: true,
      commented: 'docker://ubuntu:24.04',
      description: 'Image for jobs that do not name one (no `image:` in `.gitlab-ci.yml`).',
    },
  },
  allowed_images: {
    kind: 'list',
    doc: {
      type: 'array of strings',
      added: true,
      commented: ['docker.io/library/*', 'ghcr.io/my-group/**'],
      description:
        'Glob patterns of the images jobs may use, as in the docker executor: `*` matches within one path segment, `**` across segments. Unset: any image.',
    },
  },
  allowed_pull_policies: {
    kind: 'pull-policies',
    doc: {
      type: 'array of pull policies',
      added: true,
      commented: ['if-not-present', 'always'],
      description:
        'The pull policies a job may ask for with `image: pull_policy`. Unset: only `pull_policy`.',
    },
  },
  predefined_stages: {
    kind: 'stages',
    default: 'host',
    doc: {
      type: '"host" or "image"',
      added: true,
      description:
        "Where the predefined stages (fetching sources, caches and artifacts) run: `host`, on the compute node, which has `git` and `gitlab-runner`; or `image`, inside the job's image like the build script.",
    },
  },
  pass_env: {
    kind: 'env-names',
    default: [],
    doc: {
      type: 'array of strings',
      added: true,
      description:
        "Names of extra environment variables to pass into the container (which starts with a clean environment), or prefix patterns such as `MY_*`. They add to the built-in list of GPU and Slurm variables. Not `HOME` (see `home`) nor `PATH` (it would replace the image's).",
    },
  },
  exec_args: {
    kind: 'expanded-list',
    default: [],
    doc: {
      type: 'array of strings',
      added: true,
      description: 'Extra flags for `apptainer exec`, such as "--compat" or "--writable-tmpfs".',
    },
  },
  home: {
    kind: 'home',
    default: 'job',
    doc: {
      type: '"job", "user" or "none"',
      added: true,
      description:
        "HOME in the container. `job`: each job gets its own writable home, `.mr-home` in the job's directory, removed with the job (`apptainer --home`), so tools that write to the home directory work as with the docker executor. `user`: your real home, as apptainer mounts it by default. `none`: `--no-home`, `$HOME` does not exist in the container.",
    },
  },
  writable_tmpfs: {
    kind: 'flag',
    default: true,
    doc: {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      added: true,
      description:
        'Let jobs write anywhere in the container, into a small in-memory layer (`apptainer --writable-tmpfs`). Needs overlay: turn it off where `apptainer.conf` says `enable overlay = no`.',
    },
  },
  image_layer_cache: {
    kind: 'flag',
    default: false,
    doc: {
      type: 'boolean or string',
      expected: BOOL_OR_TEMPLATE,
      added: true,
      description:
        "Let pulls use apptainer's layer cache (`image_cache_dir`, else apptainer's default in your home). Off: pulls use `--disable-cache`, so that cache cannot grow; `image_dir` is the cache.",
    },
  },
  image_max_size: {
    kind: 'size',
    doc: {
      type: 'size',
      expected: SIZE,
      added: true,
      commented: '50G',
      description:
        'Upper bound on the total size of `image_dir`: the least recently used images are removed to stay below it. Unset: no bound.',
    },
  },
  image_max_age: {
    kind: 'duration',
    doc: {
      type: 'duration',
      added: true,
      commented: '30d',
      description: 'Images not used for this long are removed. Unset: images are kept.',
    },
  },
  kill_timeout: {
    kind: 'duration',
    default: '10s',
    timer: true,
    doc: {
      type: 'duration',
      added: true,
      description:
        'When a job is cancelled or times out, the time between passing SIGTERM on to the job and killing it with SIGKILL.',
    },
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof EXECUTOR_SETTINGS;

type Specs = typeof EXECUTOR_SETTINGS;

/** A setting's value once checked and converted, before expansion (flags may still be templates). */
export interface CheckedValue {
  dir: string;
  program: string;
  flag: boolean | string;
  'expanded-list': string[];
  'job-text': string;
  image: string;
  list: string[];
  'env-names': string[];
  'pull-policy': PullPolicy;
  'pull-policies': PullPolicy[];
  stages: PredefinedStages;
  home: ContainerHome;
  size: number;
  duration: number;
}

/** A setting's value once expanded. */
export interface SettingValue extends Omit<CheckedValue, 'flag'> {
  flag: boolean;
}

type WithDefault = { [K in SettingKey]: Specs[K] extends { default: unknown } ? K : never }[SettingKey];
type Required =
  | WithDefault
  | { [K in SettingKey]: Specs[K] extends { required: true } ? K : never }[SettingKey];

type Settings<V, R extends SettingKey> = { [K in R]: V[Specs[K]['kind'] & keyof V] } & {
  [K in Exclude<SettingKey, R>]?: V[Specs[K]['kind'] & keyof V] | undefined;
};

/**
 * The settings as written (in `[executor]` or the standalone file), checked, with defaults applied and
 * durations in milliseconds, sizes in bytes; templates not yet expanded.
 */
export type CheckedSettings = Settings<CheckedValue, WithDefault>;

/** Everything the executor needs, checked and with templates expanded. Durations in ms, sizes in bytes. */
export type ExecutorSettings = Settings<SettingValue, Required>;

/** The keys the meta-runner's `[executor]` section has (`cache_dir` comes from `[runner]`). */
export const SECTION_KEYS = (Object.keys(EXECUTOR_SETTINGS) as SettingKey[]).filter(
  (key) => !(EXECUTOR_SETTINGS[key] as SettingSpec).fromRunner,
);
