import { ConfigError, type ConfigProblem } from './errors.js';
import type { Config } from './schema.js';
import type { InstanceContext, InstantiatedExecutor } from './executor-instance.js';
import {
  type InstantiatedLaunch,
  type InstantiatedRunner,
  instantiateExecutor,
  instantiateLaunch,
  instantiateRunner,
} from './instantiate.js';
import { templateError } from './section-expander.js';

/** All three sections of one instance; `launch` is absent when the config has no `[launch]`. */
export interface InstantiatedInstance {
  runner: InstantiatedRunner;
  executor: InstantiatedExecutor;
  launch?: InstantiatedLaunch | undefined;
}

/**
 * Instantiates `[runner]`, `[executor]` and `[launch]` (with `$NUM_JOBS` = `group_size`) for every instance,
 * as check-config and show-config do. Throws one ConfigError (MR_CONFIG_TEMPLATE) with every problem of
 * every instance.
 */
export function instantiateAll(
  config: Config,
  ctx: InstanceContext & { configPath: string },
): Record<string, InstantiatedInstance> {
  const out: Record<string, InstantiatedInstance> = {};
  const problems: ConfigProblem[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (error) {
      if (error instanceof ConfigError && error.code === 'MR_CONFIG_TEMPLATE') {
        problems.push(...error.problems);
        return undefined;
      }
      throw error;
    }
  };
  for (const instance of Object.keys(config.runners)) {
    const runner = attempt(() => instantiateRunner(config, instance, ctx));
    const executor = attempt(() => instantiateExecutor(config, instance, ctx));
    const launch = config.launch
      ? attempt(() => instantiateLaunch(config, instance, { ...ctx, numJobs: config.launch!.group_size }))
      : undefined;
    if (runner && executor) out[instance] = { runner, executor, ...(launch ? { launch } : {}) };
  }
  if (problems.length > 0) {
    const instances = [...new Set(problems.map((p) => p.instance))];
    throw templateError(
      `the templates for runner instance${instances.length === 1 ? '' : 's'} ${instances
        .map((i) => JSON.stringify(i))
        .join(', ')}`,
      problems,
    );
  }
  return out;
}
