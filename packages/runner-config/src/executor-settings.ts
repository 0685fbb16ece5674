// The executor's hot path: gitlab-runner starts `gitlab-meta-runner executor NAME STEP` about ten times per
// job. This loader reads only what the executor needs, with smol-toml, @mr/template and the executor's own
// settings reader; the zod schema is imported only to explain a problem it found.
import { checkSettings, SECTION_KEYS } from '@mr/apptainer-executor/settings';
import type { ConfigErrorCode, ConfigProblem } from './errors.js';
import {
  executorProblem,
  expandExecutor,
  type InstanceContext,
  type InstantiatedExecutor,
} from './executor-instance.js';

// Built-ins without their ES module wrappers (which evaluate every lazy export: streams, source maps), and
// smol-toml's single-file build (one file to load instead of nine ES modules): this runs ~10 times per job.
const { readFileSync } = process.getBuiltinModule('node:fs');
const { parse } = process.getBuiltinModule('node:module').createRequire(import.meta.url)(
  'smol-toml',
) as typeof import('smol-toml');

export type { InstantiatedExecutor } from './executor-instance.js';

/** What the loader needs to know about the running program. */
export type ExecutorSettingsContext = InstanceContext;

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Reads `[executor]` of the config file instantiated for one runner instance, without the zod schema: the
 * keys are checked and expanded by the executor's own functions, from its table of settings (the same the
 * schema is derived from). `builds_dir` falls back to `[runner].builds_dir`, `cache_dir` is
 * `[runner].cache_dir`. When anything is wrong, the full config loader is imported to explain it (throws a
 * `ConfigError`).
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
  const wrong = (path: string, expected: string) =>
    shape.push({ path, message: `${path}: expected ${expected}` });
  if (!isTable(variables) || !Object.values(variables).every((v) => typeof v === 'string'))
    wrong(`runners.${instance}.config_variables`, 'a table of strings');
  if (!isTable(runner)) wrong('runner', 'a table [runner]');
  else {
    if (typeof runner.builds_dir !== 'string') wrong('runner.builds_dir', 'a string');
    if (typeof runner.cache_dir !== 'string') wrong('runner.cache_dir', 'a string');
  }
  if (!isTable(executor)) wrong('executor', 'a table [executor]');
  if (shape.length > 0 || !isTable(variables) || !isTable(runner) || !isTable(executor)) {
    return explain(configFile, instance, context, shape, { code: 'MR_CONFIG_INVALID' });
  }
  const checked = checkSettings(executor, SECTION_KEYS);
  if (checked.problems.length > 0) {
    const problems = checked.problems.map((p) => executorProblem(instance, p));
    return explain(configFile, instance, context, problems, { code: 'MR_CONFIG_INVALID' });
  }
  const { settings, problems } = expandExecutor(
    checked.settings,
    runner as { builds_dir: string; cache_dir: string },
    instance,
    variables as Record<string, string>,
    context,
  );
  if (problems.length > 0) return explain(configFile, instance, context, problems);
  return settings;
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
