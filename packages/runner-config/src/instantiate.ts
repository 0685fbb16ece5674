import { basename } from 'node:path';
import { ConfigError } from './errors.js';
import { expandExecutor, type InstanceContext, type InstantiatedExecutor } from './executor-instance.js';
import type { BatchSystem, LaunchSection } from './launch-schema.js';
import type { CustomExecutorSection, RunnerSection } from './runner-schema.js';
import type { Config } from './schema.js';
import { dropUndefined, SectionExpander, templateError } from './section-expander.js';
import { closest } from './suggest.js';

export type { InstanceContext, InstantiatedExecutor } from './executor-instance.js';

/** For `[launch]`: also the generated gitlab-runner config file (`$CONFIG`) and the jobs of this launch (`$NUM_JOBS`). */
export interface LaunchContext extends InstanceContext {
  configPath: string;
  numJobs: number;
  /** A resource runner's name: `$NAME` of the launch (default: the instance name). */
  runnerName?: string | undefined;
  /** Resource values of the launch (key → value); missing keys take the instance's defaults. */
  resources?: Readonly<Record<string, string>> | undefined;
}

/** `[runner.custom]` for one instance: the same keys, every value expanded. */
export type InstantiatedCustom = CustomExecutorSection;

/** `[runner]` for one instance: its entry in the generated gitlab-runner config (without url, id and token). */
export interface InstantiatedRunner {
  name: string;
  builds_dir: string;
  cache_dir: string;
  output_limit?: number | undefined;
  environment: string[];
  executor: 'custom' | 'shell';
  /** gitlab-runner's `shell`, when set. */
  shell?: RunnerSection['shell'];
  /** Present when `executor` is `custom`. */
  custom?: InstantiatedCustom | undefined;
  /** gitlab-runner's `[runners.custom_build_dir] enabled`, when set. */
  custom_build_dir?: { enabled: boolean } | undefined;
  /** gitlab-runner's `[runners.feature_flags]`, when any is set. */
  feature_flags?: Record<string, boolean> | undefined;
}

/** `[launch]` for one instance and one launch. Durations in milliseconds. */
export interface InstantiatedLaunch extends Omit<LaunchSection, 'batch_system'> {
  /** `auto` resolved: `slurm` when the executable's file name is `sbatch`. */
  batch_system: Exclude<BatchSystem, 'auto'>;
}

function instanceOf(config: Config, instance: string) {
  const runner = Object.hasOwn(config.runners, instance) ? config.runners[instance] : undefined;
  if (runner) return runner;
  const names = Object.keys(config.runners);
  const suggestion = closest(instance, names);
  throw new ConfigError(
    'MR_CONFIG_UNKNOWN_INSTANCE',
    `no runner instance ${JSON.stringify(instance)} in the config`,
    {
      hint: suggestion
        ? `did you mean "${suggestion}"?`
        : names.length > 0
          ? `the instances are: ${names.join(', ')}`
          : 'the config defines no [runners.<instance>]',
    },
  );
}

/** `[runner]` instantiated for one instance. Variables: NAME, THIS, then config_variables, then the environment. */
export function instantiateRunner(
  config: Config,
  instance: string,
  ctx: InstanceContext,
): InstantiatedRunner {
  const variables = instanceOf(config, instance).config_variables;
  const x = new SectionExpander('runner', instance, { NAME: instance, THIS: ctx.thisPath }, variables, ctx);
  const { runner } = config;
  const custom = runner.custom;
  return x.done({
    name: instance,
    builds_dir: x.string('builds_dir', runner.builds_dir),
    cache_dir: x.string('cache_dir', runner.cache_dir),
    ...(runner.output_limit === undefined ? {} : { output_limit: runner.output_limit }),
    environment: x.strings('environment', runner.environment),
    executor: runner.executor,
    ...(runner.executor === 'custom'
      ? {
          custom: {
            config_exec: x.string('custom.config_exec', custom.config_exec),
            config_args: x.strings('custom.config_args', custom.config_args),
            prepare_exec: x.string('custom.prepare_exec', custom.prepare_exec),
            prepare_args: x.strings('custom.prepare_args', custom.prepare_args),
            run_exec: x.string('custom.run_exec', custom.run_exec),
            run_args: x.strings('custom.run_args', custom.run_args),
            cleanup_exec: x.string('custom.cleanup_exec', custom.cleanup_exec),
            cleanup_args: x.strings('custom.cleanup_args', custom.cleanup_args),
            ...dropUndefined({
              config_exec_timeout: custom.config_exec_timeout,
              prepare_exec_timeout: custom.prepare_exec_timeout,
              cleanup_exec_timeout: custom.cleanup_exec_timeout,
              graceful_kill_timeout: custom.graceful_kill_timeout,
              force_kill_timeout: custom.force_kill_timeout,
            }),
          },
        }
      : {}),
    ...(runner.shell === undefined ? {} : { shell: runner.shell }),
    ...(runner.custom_build_dir.enabled === undefined
      ? {}
      : { custom_build_dir: { enabled: runner.custom_build_dir.enabled } }),
    ...(Object.keys(runner.feature_flags).length === 0 ? {} : { feature_flags: runner.feature_flags }),
  });
}

/**
 * `[executor]` instantiated for one instance. `builds_dir` falls back to `[runner].builds_dir`, `cache_dir`
 * comes from `[runner]`. `description` stays as written while it names a variable that is not defined (one
 * that exists only when the job runs, such as `$SLURM_JOB_ID`).
 */
export function instantiateExecutor(
  config: Config,
  instance: string,
  ctx: InstanceContext,
): InstantiatedExecutor {
  const variables = instanceOf(config, instance).config_variables;
  const { settings, problems } = expandExecutor(config.executor, config.runner, instance, variables, ctx);
  if (problems.length === 0) return settings;
  throw templateError(`[executor] for runner instance ${JSON.stringify(instance)}`, problems);
}

/**
 * `[launch]` instantiated for one instance and one launch of `numJobs` jobs. Variables: NAME, THIS, CONFIG,
 * NUM_JOBS, then config_variables, then the environment. Throws MR_CONFIG_NO_LAUNCH without a `[launch]`.
 */
export function instantiateLaunch(config: Config, instance: string, ctx: LaunchContext): InstantiatedLaunch {
  const { config_variables: variables, resources } = instanceOf(config, instance);
  const launch = config.launch;
  if (!launch) {
    throw new ConfigError(
      'MR_CONFIG_NO_LAUNCH',
      'the config has no [launch] section, so nothing can be launched',
      {
        hint: 'add a [launch] section; gitlab-meta-runner show-example-config shows one for Slurm',
      },
    );
  }
  const special: Record<string, string> = {};
  // Each resource as its key in upper case: the launch's value, else the default.
  for (const [key, spec] of Object.entries(resources ?? {}))
    special[key.toUpperCase()] = ctx.resources?.[key] ?? spec.default;
  Object.assign(special, {
    NAME: ctx.runnerName ?? instance,
    THIS: ctx.thisPath,
    CONFIG: ctx.configPath,
    NUM_JOBS: String(ctx.numJobs),
  });
  const x = new SectionExpander('launch', instance, special, variables, ctx);
  const executable = x.string('executable', launch.executable);
  const result: InstantiatedLaunch = {
    executable,
    args: x.strings('args', launch.args),
    workdir: x.optional('workdir', launch.workdir),
    stdin: x.optional('stdin', launch.stdin),
    timeout: launch.timeout,
    group_size: launch.group_size,
    batch_system:
      launch.batch_system === 'auto'
        ? basename(executable) === 'sbatch'
          ? 'slurm'
          : 'generic'
        : launch.batch_system,
    status_command: launch.status_command && x.strings('status_command', launch.status_command),
    cancel_stale: launch.cancel_stale,
    pickup_timeout: launch.pickup_timeout,
    max_in_flight: launch.max_in_flight,
    concurrency: launch.concurrency,
    max_launches_per_cycle: launch.max_launches_per_cycle,
    failure_backoff: launch.failure_backoff,
  };
  return x.done(dropUndefined(result));
}
