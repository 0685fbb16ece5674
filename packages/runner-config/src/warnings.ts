import type { InstantiatedInstance } from './instantiate-all.js';
import { findExecutable } from './launch-executable.js';
import type { Config } from './schema.js';

/** The management_token of the documented example. */
export const EXAMPLE_TOKEN = 'enter-your-token-here';

/** Things that are valid but probably not what the user wants, one sentence each. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.management_token === EXAMPLE_TOKEN) {
    warnings.push(
      'management_token is still the placeholder of the example; configure and run need a real token',
    );
  }
  const instances = Object.entries(config.runners);
  if (instances.length === 0) warnings.push('the config defines no runner instance ([runners.<instance>])');
  for (const [name, instance] of instances) {
    if (instance.tags.length === 0 && !instance.run_untagged) {
      warnings.push(
        `runner instance ${JSON.stringify(name)} has no tags and run_untagged = false, so it can never take a job`,
      );
    }
  }
  if (!config.launch) warnings.push('there is no [launch] section, so `run` cannot launch runners');
  return warnings;
}

/**
 * Warnings about the sections instantiated for each instance (`instantiateAll`):
 * - a `[runner] environment` entry that is not `NAME=value` once expanded: gitlab-runner skips it without a
 *   word (`RunnerConfig.GetVariables` keeps only what `parseVariable` can split at "=", common/config.go,
 *   gitlab-runner v19.3.0);
 * - a `[launch] executable` that is not found (in `PATH` for a bare name, else relative to the workdir),
 *   once per executable.
 */
export function instanceWarnings(
  instances: Record<string, InstantiatedInstance>,
  options: { env: Record<string, string | undefined>; cwd: string },
): string[] {
  const warnings: string[] = [];
  const checked = new Set<string>();
  for (const [name, { runner, launch }] of Object.entries(instances)) {
    runner.environment.forEach((entry, i) => {
      const at = entry.indexOf('=');
      if (at > 0) return;
      warnings.push(
        `runner.environment[${i}] (instance ${JSON.stringify(name)}): ${JSON.stringify(entry)} is not NAME=value${
          at === 0 ? ' (the name is empty)' : ''
        }; gitlab-runner ignores it`,
      );
    });
    if (!launch) continue;
    const cwd = launch.workdir ?? options.cwd;
    const key = `${launch.executable}\0${launch.executable.includes('/') ? cwd : ''}`;
    if (checked.has(key)) continue;
    checked.add(key);
    if (findExecutable(launch.executable, { path: options.env.PATH, cwd })) continue;
    warnings.push(
      launch.executable.includes('/')
        ? `[launch] executable ${launch.executable} is not an executable file, so run cannot launch anything`
        : `[launch] executable "${launch.executable}" is not found in PATH (${options.env.PATH || 'PATH is empty'}), so run cannot launch anything from here; install it, add its directory to PATH, or write its absolute path`,
    );
  }
  return warnings;
}
