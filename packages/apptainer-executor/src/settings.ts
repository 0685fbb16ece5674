import { isAbsolute } from 'node:path';
import { type ExpandOptions, tryExpand, type Variables } from '@mr/template';
import { ExecutorError } from './errors.js';
import { expandKeepingUndefined } from './lenient-expand.js';
import { parseDuration, parseSize } from './units.js';

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

/** Where the predefined stages (get_sources, caches, artifacts, ...) run. */
export type PredefinedStages = 'host' | 'image';

/** Everything the executor needs, checked and with templates expanded. Durations in ms, sizes in bytes. */
export interface ExecutorSettings {
  /** Jobs get `<buildsDir>/<CI_JOB_ID>`. */
  buildsDir: string;
  cacheDir?: string | undefined;
  /** Where pulled images are stored; needed as soon as a job uses a registry image. */
  imageDir?: string | undefined;
  /** `APPTAINER_CACHEDIR` for pulls. */
  imageCacheDir?: string | undefined;
  /** `APPTAINER_TMPDIR` for pulls. */
  imageTmpDir?: string | undefined;
  pullPolicy: PullPolicy;
  /** `apptainer` or `singularity`, a name looked up in `PATH` or a path. */
  apptainerExecutable: string;
  gpuAmd: boolean;
  gpuNvidia: boolean;
  /** Extra `--bind` entries, `src[:dst[:opts]]`. */
  mount: string[];
  /** Shown in the job log as the driver name; undefined variables are left as written. */
  description: string;
  defaultImage?: string | undefined;
  allowedImages?: string[] | undefined;
  allowedPullPolicies?: PullPolicy[] | undefined;
  predefinedStages: PredefinedStages;
  /** Extra variable names or `PREFIX_*` patterns passed into the container through `--cleanenv`. */
  passEnv: string[];
  /** Extra `apptainer exec` flags. */
  execArgs: string[];
  imageMaxSize?: number | undefined;
  imageMaxAge?: number | undefined;
  killTimeout: number;
}

/** The defaults of the optional keys. */
export const DEFAULT_SETTINGS = {
  pullPolicy: 'if-not-present',
  apptainerExecutable: 'apptainer',
  gpuAmd: false,
  gpuNvidia: false,
  mount: [],
  description: '',
  predefinedStages: 'host',
  passEnv: [],
  execArgs: [],
  killTimeout: 10_000,
} as const satisfies Partial<ExecutorSettings>;

type Kind =
  | 'dir'
  | 'executable'
  | 'policy'
  | 'flag'
  | 'expanded-list'
  | 'text'
  | 'string'
  | 'list'
  | 'policies'
  | 'stages'
  | 'size'
  | 'duration';

/** The keys of the executor settings (as in the `[executor]` section) and how each is read. */
export const SETTING_KEYS = {
  builds_dir: 'dir',
  cache_dir: 'dir',
  image_dir: 'dir',
  image_cache_dir: 'dir',
  image_tmp_dir: 'dir',
  pull_policy: 'policy',
  apptainer_executable: 'executable',
  gpu_amd: 'flag',
  gpu_nvidia: 'flag',
  mount: 'expanded-list',
  description: 'text',
  default_image: 'string',
  allowed_images: 'list',
  allowed_pull_policies: 'policies',
  predefined_stages: 'stages',
  pass_env: 'list',
  exec_args: 'expanded-list',
  image_max_size: 'size',
  image_max_age: 'duration',
  kill_timeout: 'duration',
} as const satisfies Record<string, Kind>;

export type SettingKey = keyof typeof SETTING_KEYS;

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export interface SectionContext {
  /** Where a key's value comes from, for messages: a file name or "the command line". */
  originOf: (key: string) => string;
  /** Prefix of key paths in messages, e.g. "executor.". */
  keyPrefix?: string;
  /** Variables for `$NAME` expansion (the first defined wins when you pass `scopes(...)`). */
  variables: Variables;
  home?: string | undefined;
}

const describe = (value: unknown) =>
  Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;

/**
 * Checks and expands the executor keys (`[executor]` keys plus `builds_dir` and `cache_dir`) and returns
 * the settings. Collects every problem and throws one `MR_EXECUTOR_SETTINGS` error listing them all.
 */
export function settingsFromSection(
  section: Record<string, unknown>,
  context: SectionContext,
): ExecutorSettings {
  const problems: string[] = [];
  const expandOptions: ExpandOptions = { home: context.home };
  const out: Record<string, unknown> = {};
  const where = (key: string, index?: number) =>
    `${context.originOf(key)}: ${context.keyPrefix ?? ''}${key}${index === undefined ? '' : `[${index}]`}`;
  const expandString = (key: string, value: string, index?: number): string | undefined => {
    const result = tryExpand(value, context.variables, expandOptions);
    if (result.ok) return result.value;
    problems.push(
      `${where(key, index)}: cannot expand ${JSON.stringify(value)}: ${result.problems.map((p) => p.message).join('; ')}`,
    );
    return undefined;
  };
  const stringList = (key: string, value: unknown, expandEach: boolean): string[] | undefined => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      problems.push(`${where(key)}: expected an array of strings, found ${describe(value)}`);
      return undefined;
    }
    if (!expandEach) return value as string[];
    const list = (value as string[]).map((v, i) => expandString(key, v, i));
    return list.every((v) => v !== undefined) ? (list as string[]) : undefined;
  };
  const policy = (key: string, value: unknown, index?: number): PullPolicy | undefined => {
    if (typeof value === 'string' && (PULL_POLICIES as readonly string[]).includes(value))
      return value as PullPolicy;
    problems.push(
      `${where(key, index)}: expected one of ${PULL_POLICIES.join(', ')}, found ${describe(value)}`,
    );
    return undefined;
  };

  for (const [key, value] of Object.entries(section)) {
    if (value === undefined) continue;
    const kind: Kind | undefined = (SETTING_KEYS as Record<string, Kind>)[key];
    if (!kind) {
      problems.push(`${where(key)}: unknown key (known keys: ${Object.keys(SETTING_KEYS).join(', ')})`);
      continue;
    }
    let result: unknown;
    switch (kind) {
      case 'dir':
      case 'executable':
        if (typeof value !== 'string') {
          problems.push(`${where(key)}: expected a string, found ${describe(value)}`);
          break;
        }
        result = expandString(key, value);
        if (typeof result === 'string' && kind === 'dir' && !isAbsolute(result)) {
          problems.push(`${where(key)}: expected an absolute path, found ${JSON.stringify(result)}`);
          result = undefined;
        }
        if (result === '') {
          problems.push(`${where(key)}: expected a non-empty string`);
          result = undefined;
        }
        break;
      case 'text':
        if (typeof value !== 'string')
          problems.push(`${where(key)}: expected a string, found ${describe(value)}`);
        else result = expandKeepingUndefined(value, context.variables, expandOptions);
        break;
      case 'string':
        if (typeof value !== 'string' || value === '') {
          problems.push(`${where(key)}: expected a non-empty string, found ${describe(value)}`);
        } else result = value;
        break;
      case 'flag':
        if (typeof value === 'boolean') result = value;
        else if (typeof value === 'string') {
          const text = expandString(key, value)?.trim().toLowerCase();
          if (text === 'true' || text === 'false') result = text === 'true';
          else if (text !== undefined) {
            problems.push(
              `${where(key)}: expected true or false (or a string expanding to "true" or "false"), found ${JSON.stringify(text)}`,
            );
          }
        } else problems.push(`${where(key)}: expected true or false, found ${describe(value)}`);
        break;
      case 'expanded-list':
        result = stringList(key, value, true);
        break;
      case 'list':
        result = stringList(key, value, false);
        if (key === 'pass_env' && Array.isArray(result)) {
          (result as string[]).forEach((name, i) => {
            if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) {
              problems.push(
                `${where(key, i)}: expected a variable name or a prefix pattern such as "MY_*", found ${JSON.stringify(name)}`,
              );
            }
          });
        }
        break;
      case 'policy':
        result = policy(key, value);
        break;
      case 'policies':
        if (!Array.isArray(value))
          problems.push(`${where(key)}: expected an array of pull policies, found ${describe(value)}`);
        else {
          const list = value.map((v, i) => policy(key, v, i));
          if (list.every((v) => v !== undefined)) result = list;
        }
        break;
      case 'stages':
        if (value === 'host' || value === 'image') result = value;
        else problems.push(`${where(key)}: expected "host" or "image", found ${describe(value)}`);
        break;
      case 'size':
        result = parseSize(value);
        if (result === undefined) {
          problems.push(
            `${where(key)}: expected a size (bytes, or a string such as "50G" or "500M"), found ${describe(value)}`,
          );
        }
        break;
      case 'duration':
        result = parseDuration(value);
        if (result === undefined) {
          problems.push(
            `${where(key)}: expected a duration (seconds, or a string such as "90s", "10m", "7d"), found ${describe(value)}`,
          );
        }
        break;
    }
    if (result !== undefined) out[camel(key)] = result;
  }
  if (section.builds_dir === undefined) {
    problems.push(
      `${context.originOf('builds_dir')}: ${context.keyPrefix ?? ''}builds_dir is not set: the executor needs a directory for the jobs' builds`,
    );
  }
  if (problems.length > 0) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      problems.length === 1
        ? `invalid executor settings: ${problems[0]}`
        : `invalid executor settings (${problems.length} problems)`,
      { details: problems.length === 1 ? undefined : problems },
    );
  }
  return { ...DEFAULT_SETTINGS, mount: [], passEnv: [], execArgs: [], ...out } as unknown as ExecutorSettings;
}
