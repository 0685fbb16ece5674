// `[executor]` instantiated for one runner instance, shared by the full loader (check-config, show-config)
// and the executor's fast loader: both expand with the executor's own function. No zod here.
import {
  type CheckedSettings,
  type ExecutorSettings,
  expandSettings,
  type SettingProblem,
} from '@mr/apptainer-executor/settings';
import { scopes } from '@mr/template';
import type { ConfigProblem } from './errors.js';

/** `[executor]` for one instance: the settings of the apptainer executor. Durations in ms, sizes in bytes. */
export type InstantiatedExecutor = ExecutorSettings;

/** What instantiation needs to know about the running program and its environment. */
export interface InstanceContext {
  /** Absolute path of the running `gitlab-meta-runner`, something gitlab-runner can execute: `$THIS`. */
  thisPath: string;
  /** The environment: the last place variables are looked up. */
  env: Record<string, string | undefined>;
  /** The home directory a leading `~` stands for. */
  home: string;
  /**
   * The config file's absolute path, for the generated gitlab-runner config: executor steps are told to read
   * it (`--config-file`), whatever the default path holds.
   */
  configFile?: string | undefined;
}

/** A problem with one `[executor]` key of one instance, as the config loader reports it. */
export function executorProblem(instance: string, problem: SettingProblem): ConfigProblem {
  const path = `executor.${problem.key}`;
  return {
    path,
    message: `${path} (instance ${JSON.stringify(instance)}): ${problem.message}`,
    section: 'executor',
    instance,
    ...(problem.variable === undefined ? {} : { variable: problem.variable }),
  };
}

/**
 * Expands a checked `[executor]` section for one instance: `builds_dir` falls back to `[runner].builds_dir`,
 * `cache_dir` is `[runner].cache_dir`; variables are `$NAME`, `$THIS`, the instance's config_variables, then
 * the environment. `description` keeps the variables that exist only when the job runs.
 */
export function expandExecutor(
  section: Omit<CheckedSettings, 'cache_dir'>,
  runner: { builds_dir: string; cache_dir: string },
  instance: string,
  variables: Record<string, string>,
  ctx: InstanceContext,
): { settings: InstantiatedExecutor; problems: ConfigProblem[] } {
  const lookup = scopes({ NAME: instance, THIS: ctx.thisPath }, variables, ctx.env);
  const { settings, problems } = expandSettings(
    { ...section, builds_dir: section.builds_dir ?? runner.builds_dir, cache_dir: runner.cache_dir },
    lookup,
    { home: ctx.home },
  );
  return { settings, problems: problems.map((p) => executorProblem(instance, p)) };
}
