import type { GlobalOptions } from './global-options.js';

// Built-ins without their ES module wrappers: this module is on the executor's hot path (see bin.ts).
const { homedir } = process.getBuiltinModule('node:os');
const { isAbsolute, join, resolve } = process.getBuiltinModule('node:path');

type Env = Record<string, string | undefined>;

function xdg(env: Env, name: 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME', fallback: string[]): string {
  const value = env[name];
  // The XDG spec says relative values are invalid and must be ignored.
  if (value && isAbsolute(value)) return value;
  return join(env.HOME || homedir(), ...fallback);
}

/** The default config file: `$XDG_CONFIG_HOME/gitlab-meta-runner.toml`, else `~/.config/...`. */
export function defaultConfigFile(env: Env = process.env): string {
  return join(xdg(env, 'XDG_CONFIG_HOME', ['.config']), 'gitlab-meta-runner.toml');
}

/** The default data directory: `$XDG_DATA_HOME/gitlab-meta-runner`, else `~/.local/share/...`. */
export function defaultDataDir(env: Env = process.env): string {
  return join(xdg(env, 'XDG_DATA_HOME', ['.local', 'share']), 'gitlab-meta-runner');
}

export interface ResolvedPaths {
  configFile: string;
  dataDir: string;
  /** Explicit `--generated-config-file`, else undefined: the default needs the config's `name`. */
  generatedConfigFile: string | undefined;
}

/** Resolves the global path options against the working directory and the XDG defaults. */
export function resolvePaths(
  options: GlobalOptions,
  env: Env = process.env,
  cwd = process.cwd(),
): ResolvedPaths {
  return {
    configFile: options.configFile ? resolve(cwd, options.configFile) : defaultConfigFile(env),
    dataDir: options.dataDir ? resolve(cwd, options.dataDir) : defaultDataDir(env),
    generatedConfigFile: options.generatedConfigFile ? resolve(cwd, options.generatedConfigFile) : undefined,
  };
}
