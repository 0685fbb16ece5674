import { join } from 'node:path';

/** `<dataDir>/<name>.tokens`: the ids and authentication tokens of the registered runners. */
export function tokensFilePath(dataDir: string, configName: string): string {
  return join(dataDir, `${configName}.tokens`);
}

/** The generated gitlab-runner config: `override` when given, else `<dataDir>/<name>.gitlab-config.toml`. */
export function generatedConfigPath(dataDir: string, configName: string, override?: string): string {
  return override ?? join(dataDir, `${configName}.gitlab-config.toml`);
}

/** `<dataDir>/<name>.state`: the launcher's record of launches in flight. */
export function statePath(dataDir: string, configName: string): string {
  return join(dataDir, `${configName}.state`);
}
