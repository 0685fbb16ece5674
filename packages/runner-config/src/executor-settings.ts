// The executor's hot path: gitlab-runner starts `gitlab-meta-runner executor NAME STEP` about ten times per
// job. This loader reads only what the executor needs, with smol-toml and @mr/template, and checks those keys
// by hand; the zod schema is imported only to explain a problem it found.
import { scopes, tryExpand, type VariableLookup } from '@mr/template';
import type { ConfigErrorCode, ConfigProblem } from './errors.js';
import type { InstantiatedExecutor } from './instantiate.js';

// Built-ins without their ES module wrappers (which evaluate every lazy export: streams, source maps), and
// smol-toml's single-file build (one file to load instead of nine ES modules): this runs ~10 times per job.
const { readFileSync } = process.getBuiltinModule('node:fs');
const { parse } = process.getBuiltinModule('node:module').createRequire(import.meta.url)(
  'smol-toml',
) as typeof import('smol-toml');

export type { InstantiatedExecutor } from './instantiate.js';

/** What the loader needs to know about the running program. */
export interface ExecutorSettingsContext {
  /** The environment gitlab-runner gives the executor: the last place variables are looked up. */
  env: Record<string, string | undefined>;
  /** `$THIS`: the running `gitlab-meta-runner`. */
  thisPath: string;
  /** The home directory a leading `~` stands for. */
  home: string;
}

const POLICIES = ['always', 'if-not-present', 'never'] as const;
type Policy = (typeof POLICIES)[number];

type Kind =
  | 'expanded'
  | 'flag'
  | 'expanded-list'
  | 'job-text'
  | 'string'
  | 'list'
  | 'env-list'
  | 'policy'
  | 'policies'
  | 'stages'
  | 'size'
  | 'duration';

const KEYS: Record<string, Kind> = {
  builds_dir: 'expanded',
  image_dir: 'expanded',
  image_cache_dir: 'expanded',
  image_tmp_dir: 'expanded',
  pull_policy: 'policy',
  apptainer_executable: 'expanded',
  gpu_amd: 'flag',
  gpu_nvidia: 'flag',
  mount: 'expanded-list',
  description: 'job-text',
  default_image: 'string',
  allowed_images: 'list',
  allowed_pull_policies: 'policies',
  predefined_stages: 'stages',
  pass_env: 'env-list',
  exec_args: 'expanded-list',
  image_max_size: 'size',
  image_max_age: 'duration',
  kill_timeout: 'duration',
};

const DEFAULTS = {
  pull_policy: 'if-not-present',
  apptainer_executable: 'apptainer',
  gpu_amd: false,
  gpu_nvidia: false,
  mount: [],
  predefined_stages: 'host',
  pass_env: [],
  exec_args: [],
  kill_timeout: 10,
} as const;

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Expands a job-time template, leaving each undefined variable as written. */
function expandAtJobTime(template: string, lookup: VariableLookup, home: string): string {
  const first = tryExpand(template, lookup, { home });
  if (first.ok) return first.value;
  if (first.problems.some((p) => p.code !== 'MR_TEMPLATE_UNDEFINED_VARIABLE')) return template;
  const undefinedAt = new Set(first.problems.map((p) => p.index));
  let escaped = '';
  for (let i = 0; i < template.length; i++) escaped += undefinedAt.has(i) ? '$$' : template[i];
  const second = tryExpand(escaped, lookup, { home });
  return second.ok ? second.value : template;
}

/**
 * Reads `[executor]` of the config file instantiated for one runner instance, without the zod schema:
 * `builds_dir` falls back to `[runner].builds_dir`, `cache_dir` is `[runner].cache_dir`, and expanded keys
 * look variables up in `$NAME`, `$THIS`, the instance's config_variables, then the environment.
 * `description` is expanded at job time: undefined variables stay as written. When anything is wrong, the
 * full config loader is imported to explain it (throws a `ConfigError`).
 */
export async function loadExecutorSettings(
  configFile: string,
  instance: string,
  context: ExecutorSettingsContext,
): Promise<InstantiatedExecutor> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return explain(configFile, instance, context, []);
  }
  const runners = doc.runners;
  const entry = isTable(runners) && Object.hasOwn(runners, instance) ? runners[instance] : undefined;
  if (!isTable(entry)) {
    const names = isTable(runners) ? Object.keys(runners) : [];
    const { closest } = await import('./suggest.js');
    const suggestion = closest(instance, names);
    return explain(configFile, instance, context, [], {
      code: 'MR_CONFIG_UNKNOWN_INSTANCE',
      message: `no runner instance ${JSON.stringify(instance)} in the config`,
      hint: suggestion
        ? `did you mean "${suggestion}"?`
        : names.length > 0
          ? `the instances are: ${names.join(', ')}`
          : 'the config defines no [runners.<instance>]',
    });
  }
  const variables = entry.config_variables ?? {};
  const runner = doc.runner;
  const executor = doc.executor ?? {};
  const shape: ConfigProblem[] = [];
  if (!isTable(variables) || !Object.values(variables).every((v) => typeof v === 'string')) {
    const path = `runners.${instance}.config_variables`;
    shape.push({ path, message: `${path}: expected a table of strings` });
  }
  if (!isTable(runner)) shape.push({ path: 'runner', message: 'runner: expected a table [runner]' });
  if (!isTable(executor)) shape.push({ path: 'executor', message: 'executor: expected a table [executor]' });
  if (shape.length > 0 || !isTable(variables) || !isTable(runner) || !isTable(executor)) {
    return explain(configFile, instance, context, shape, { code: 'MR_CONFIG_INVALID' });
  }
  const lookup = scopes(
    { NAME: instance, THIS: context.thisPath },
    variables as Record<string, string>,
    context.env,
  );
  const problems: ConfigProblem[] = [];
  const problem = (key: string, message: string, variable?: string) => {
    const path = `executor.${key}`;
    problems.push({
      path,
      message: `${path} (instance ${JSON.stringify(instance)}): ${message}`,
      section: 'executor',
      instance,
      ...(variable === undefined ? {} : { variable }),
    });
  };
  const expand = (key: string, template: string): string => {
    const result = tryExpand(template, lookup, { home: context.home });
    if (result.ok) return result.value;
    for (const p of result.problems) problem(key, p.message, p.variable);
    return template;
  };
  const policy = (key: string, value: unknown): value is Policy => {
    if (typeof value === 'string' && (POLICIES as readonly string[]).includes(value)) return true;
    problem(key, `expected one of "always", "if-not-present", "never", found ${JSON.stringify(value)}`);
    return false;
  };

  const out: Record<string, unknown> = { ...DEFAULTS };
  // Durations and sizes are rare in [executor]; their parser loads only when one is there.
  const units = Object.keys(executor).some((k) => KEYS[k] === 'size' || KEYS[k] === 'duration')
    ? await import('./units.js')
    : undefined;
  for (const [key, value] of Object.entries(executor)) {
    const kind = KEYS[key];
    if (!kind) {
      problem(key, 'unknown key');
      continue;
    }
    switch (kind) {
      case 'expanded':
        if (typeof value === 'string') out[key] = expand(key, value);
        else problem(key, 'expected a string');
        break;
      case 'job-text':
        if (typeof value === 'string') out[key] = expandAtJobTime(value, lookup, context.home);
        else problem(key, 'expected a string');
        break;
      case 'string':
        if (typeof value === 'string') out[key] = value;
        else problem(key, 'expected a string');
        break;
      case 'flag':
        if (typeof value === 'boolean') out[key] = value;
        else if (typeof value === 'string') {
          const text = expand(key, value).trim().toLowerCase();
          if (text === 'true' || text === 'false') out[key] = text === 'true';
          else problem(key, `expands to ${JSON.stringify(text)}; expected "true" or "false"`);
        } else problem(key, 'expected a boolean, or a string that expands to "true" or "false"');
        break;
      case 'expanded-list':
        if (isStrings(value)) out[key] = value.map((v, i) => expand(`${key}[${i}]`, v));
        else problem(key, 'expected an array of strings');
        break;
      case 'list':
        if (isStrings(value)) out[key] = value;
        else problem(key, 'expected an array of strings');
        break;
      case 'env-list':
        if (isStrings(value) && value.every((v) => /^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(v))) out[key] = value;
        else problem(key, 'expected an array of variable names or prefix patterns such as "MY_*"');
        break;
      case 'policy':
        if (policy(key, value)) out[key] = value;
        break;
      case 'policies':
        if (Array.isArray(value) && value.every((v, i) => policy(`${key}[${i}]`, v))) out[key] = value;
        else if (!Array.isArray(value)) problem(key, 'expected an array of pull policies');
        break;
      case 'stages':
        if (value === 'host' || value === 'image') out[key] = value;
        else problem(key, 'expected one of "host", "image"');
        break;
      case 'size': {
        const bytes = units!.parseSize(value);
        if (bytes === undefined)
          problem(key, 'expected a size: a number of bytes, or a string like "500M", "50G"');
        else out[key] = bytes;
        break;
      }
      case 'duration': {
        const seconds = units!.parseDuration(value);
        if (seconds === undefined)
          problem(key, 'expected a duration: a number of seconds, or a string like "90s", "10m"');
        else out[key] = seconds;
        break;
      }
    }
  }
  const buildsDir = executor.builds_dir === undefined ? runner.builds_dir : executor.builds_dir;
  if (typeof buildsDir !== 'string')
    problems.push({ path: 'runner.builds_dir', message: 'runner.builds_dir: expected a string' });
  if (typeof runner.cache_dir !== 'string')
    problems.push({ path: 'runner.cache_dir', message: 'runner.cache_dir: expected a string' });
  if (typeof buildsDir !== 'string' || typeof runner.cache_dir !== 'string') {
    return explain(configFile, instance, context, problems, { code: 'MR_CONFIG_INVALID' });
  }
  if (executor.builds_dir === undefined) out.builds_dir = expand('builds_dir', buildsDir);
  out.cache_dir = expand('cache_dir', runner.cache_dir);
  if (problems.length > 0) return explain(configFile, instance, context, problems);
  return out as unknown as InstantiatedExecutor;
}

/** Whether a problem of the whole file concerns what the executor reads. */
function concernsExecutor(path: string, instance: string): boolean {
  return (
    path === '' ||
    path === 'executor' ||
    path.startsWith('executor.') ||
    path === 'runner' ||
    /^runner\.(builds_dir|cache_dir)$/.test(path) ||
    path === 'runners' ||
    path === `runners.${instance}` ||
    path.startsWith(`runners.${instance}.`)
  );
}

/**
 * Explains what is wrong with the full loader (zod schema and instantiation), which names every problem
 * with file, line, key, expected and found. Problems elsewhere in the file (such as a management token
 * from a variable the compute node does not have) are left out: the executor does not read those keys.
 */
async function explain(
  file: string,
  instance: string,
  context: ExecutorSettingsContext,
  problems: ConfigProblem[],
  fallback: { code: ConfigErrorCode; message?: string; hint?: string } = { code: 'MR_CONFIG_TEMPLATE' },
): Promise<never> {
  const [{ loadConfig }, { instantiateExecutor }, { ConfigError, countProblems }] = await Promise.all([
    import('./parse.js'),
    import('./instantiate.js'),
    import('./errors.js'),
  ]);
  let config: Awaited<ReturnType<typeof loadConfig>> | undefined;
  try {
    config = await loadConfig(file, { env: context.env });
  } catch (error) {
    if (!(error instanceof ConfigError) || error.problems.length === 0) throw error;
    const relevant = error.problems.filter((p) => concernsExecutor(p.path, instance));
    if (relevant.length > 0) {
      throw new ConfigError(
        error.code,
        `config file ${file} is not valid (${countProblems(relevant.length)})`,
        {
          file,
          problems: relevant,
          hint: error.hint,
        },
      );
    }
  }
  if (config) instantiateExecutor(config, instance, context);
  // The full loader found nothing that concerns the executor: report what this loader found.
  throw new ConfigError(
    fallback.code,
    fallback.message ??
      `cannot instantiate [executor] for runner instance ${JSON.stringify(instance)} (${countProblems(problems.length)})`,
    { file, problems, hint: fallback.hint },
  );
}
