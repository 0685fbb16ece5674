import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import type { CustomExecutorCommands } from './executor-call.js';

/** A `[[runners]]` entry of a gitlab-runner config, the keys the stand-in uses. */
export interface RunnerEntry {
  name: string;
  url: string;
  token: string;
  id?: number;
  executor: string;
  buildsDir?: string;
  cacheDir?: string;
  /** `environment = ["NAME=value"]`: extra job variables (gitlab-runner: ignored unless NAME=value). */
  environment: Record<string, string>;
  custom?: CustomExecutorCommands;
  /** `[runners.custom] graceful_kill_timeout`, seconds. */
  gracefulKillTimeout?: number;
}

export class StandinError extends Error {}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * The entry named `name` (commands/single.go HandleArgs: `RunnerByName`, with `-r/--runner`), as the
 * config file has it: the `[runners.custom]` commands are used exactly as written.
 */
export function readRunnerEntry(configFile: string, name: string): RunnerEntry {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new StandinError(`Error loading config: cannot read ${configFile}: ${(error as Error).message}`);
  }
  let config: { runners?: unknown };
  try {
    config = parse(text) as { runners?: unknown };
  } catch (error) {
    throw new StandinError(`Error loading config: ${configFile}: ${(error as Error).message.split('\n')[0]}`);
  }
  const runners = Array.isArray(config.runners) ? (config.runners as Record<string, unknown>[]) : [];
  const entry = runners.find((r) => r.name === name);
  if (!entry)
    throw new StandinError(`Error loading runner by name: could not find a runner with the name '${name}'`);
  if (typeof entry.url !== 'string' || entry.url === '') throw new StandinError('Missing URL');
  if (typeof entry.token !== 'string' || entry.token === '') throw new StandinError('Missing Token');
  if (typeof entry.executor !== 'string' || entry.executor === '') throw new StandinError('Missing Executor');
  const environment: Record<string, string> = {};
  for (const pair of strings(entry.environment)) {
    const at = pair.indexOf('=');
    if (at > 0) environment[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const result: RunnerEntry = {
    name,
    url: entry.url.replace(/\/+$/, ''),
    token: entry.token,
    executor: entry.executor,
    environment,
  };
  if (typeof entry.id === 'number') result.id = entry.id;
  if (typeof entry.builds_dir === 'string') result.buildsDir = entry.builds_dir;
  if (typeof entry.cache_dir === 'string') result.cacheDir = entry.cache_dir;
  const custom = entry.custom as Record<string, unknown> | undefined;
  if (custom && typeof custom === 'object') {
    const exec = (key: string) => (typeof custom[key] === 'string' ? (custom[key] as string) : '');
    result.custom = {
      config_exec: exec('config_exec'),
      config_args: strings(custom.config_args),
      prepare_exec: exec('prepare_exec'),
      prepare_args: strings(custom.prepare_args),
      run_exec: exec('run_exec'),
      run_args: strings(custom.run_args),
      cleanup_exec: exec('cleanup_exec'),
      cleanup_args: strings(custom.cleanup_args),
    };
    if (typeof custom.graceful_kill_timeout === 'number')
      result.gracefulKillTimeout = custom.graceful_kill_timeout;
  }
  return result;
}
