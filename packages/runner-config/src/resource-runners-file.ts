import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { TokensFileError } from './errors.js';

/** A runner registered by the launcher for one set of resource tags of an instance. Times are ISO 8601. */
export interface ResourceRunnerEntry {
  /** The runner instance it belongs to. */
  instance: string;
  /** Its tags in GitLab: the instance's tags, then the resource tags (`cpus=8`). */
  tags: string[];
  /** The resource tags it was made for (key → value); other resources take the instance's defaults. */
  resources: Record<string, string>;
  /** `maximum_timeout` sent at registration (seconds), if any. */
  maximum_timeout?: number | undefined;
  created_at: string;
  /** The last time a pending job or a launch in flight needed it. */
  last_used_at: string;
}

/** A pending job the launcher refuses to launch, and why. */
export interface RefusedJob {
  job: number;
  tags: string[];
  reason: string;
}

/** `<dataDir>/<name>.resource-runners.json`: resource runners (their tokens are in the tokens file). */
export interface ResourceRunnersFile {
  runners: Record<string, ResourceRunnerEntry>;
  /** Jobs refused in the launcher's last cycle (the first of them when there were many). */
  refused: RefusedJob[];
  /** How many jobs the launcher's last cycle refused; absent in files of older versions. */
  refused_total?: number | undefined;
}

export function resourceRunnersPath(dataDir: string, configName: string): string {
  return join(dataDir, `${configName}.resource-runners.json`);
}

const REBUILD_HINT =
  'move the file away: `configure` then deletes the resource runners it listed (their tokens are in the tokens file), and `run` registers new ones as jobs need them';

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Reads the file; a missing file means none: `{ runners: {}, refused: [] }`. */
export async function readResourceRunners(path: string): Promise<ResourceRunnersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runners: {}, refused: [] };
    throw new TokensFileError(
      'MR_RESOURCE_RUNNERS_INVALID',
      `cannot read the resource runners file ${path}: ${(error as Error).message}`,
      { file: path, cause: error },
    );
  }
  let data: Partial<ResourceRunnersFile>;
  try {
    data = JSON.parse(text) as Partial<ResourceRunnersFile>;
  } catch {
    throw new TokensFileError(
      'MR_RESOURCE_RUNNERS_INVALID',
      `the resource runners file ${path} is not valid JSON`,
      {
        file: path,
        hint: REBUILD_HINT,
      },
    );
  }
  const runners: Record<string, ResourceRunnerEntry> = {};
  for (const [name, e] of Object.entries(data.runners ?? {})) {
    if (typeof e?.instance !== 'string' || !isStrings(e.tags) || typeof e.resources !== 'object')
      throw new TokensFileError(
        'MR_RESOURCE_RUNNERS_INVALID',
        `the resource runners file ${path}: runners.${name} is not a resource runner`,
        { file: path, hint: REBUILD_HINT },
      );
    runners[name] = e;
  }
  const refused = Array.isArray(data.refused) ? data.refused : [];
  const total = data.refused_total;
  return {
    runners,
    refused,
    ...(typeof total === 'number' && Number.isInteger(total) && total >= refused.length
      ? { refused_total: total }
      : {}),
  };
}

/** Writes the file atomically, mode 0600. */
export async function writeResourceRunners(path: string, file: ResourceRunnersFile): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, mkdir: true });
}

/** The resource tags of a set, sorted by key: `cpus=8`, `gpus=2`. */
export function resourceTags(resources: Readonly<Record<string, string>>): string[] {
  return Object.keys(resources)
    .sort()
    .map((key) => `${key}=${resources[key]}`);
}

/**
 * The runner name of an instance's resource set: `<instance>.<key>-<value>...`, values with characters
 * other than letters and digits written with `_` and then told apart by a short checksum. It is a plain
 * word for shells, Slurm job names and gitlab-runner's `--runner`.
 */
export function resourceRunnerName(instance: string, resources: Readonly<Record<string, string>>): string {
  const keys = Object.keys(resources).sort();
  let changed = false;
  const parts = keys.map((key) => {
    const value = resources[key]!;
    const safe = value.replace(/[^A-Za-z0-9]/g, '_');
    if (safe !== value) changed = true;
    return `${key}-${safe}`;
  });
  let name = [instance, ...parts].join('.');
  if (changed) {
    let hash = 2166136261;
    for (const ch of resourceTags(resources).join(',')) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
    name += `.${(hash >>> 0).toString(36)}`;
  }
  return name;
}
