import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExecutorError } from './errors.js';
import type { Env } from './job-environment.js';

/** The container tools the executor drives. Apptainer's `singularity` link reports itself as apptainer. */
export type ToolFamily = 'apptainer' | 'singularity-ce' | 'singularity';

/** What the executor knows about the container tool of this node, from its `--version`. */
export interface ContainerTool {
  /** Absolute path of the executable. */
  path: string;
  family: ToolFamily;
  /** The release, such as "1.3.6" (distribution suffixes dropped). */
  version: string;
  /** Prefix of the variables it reads: `<prefix>_CACHEDIR`, `<prefix>ENV_NAME`, `<prefix>_DOCKER_USERNAME`. */
  prefix: 'APPTAINER' | 'SINGULARITY';
  /** `exec --no-eval` exists: variable values reach the job without shell evaluation. */
  noEval: boolean;
}

/** The oldest supported release of each tool, and the newest for legacy Singularity. */
export const SUPPORTED_TOOLS = {
  apptainer: { min: '1.0.0' },
  'singularity-ce': { min: '3.9.0' },
  singularity: { min: '3.7.0', below: '3.9.0' },
} as const satisfies Record<ToolFamily, { min: string; below?: string }>;

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Reads `TOOL --version`: "<package name> version <version>" (the version template set in
 * cmd/internal/cli/apptainer.go, apptainer v1.0.0, and cmd/internal/cli/singularity.go, SingularityCE v3.9.0;
 * the package name is apptainer, singularity-ce from SingularityCE 3.8.0 on, singularity before).
 */
export function parseVersionOutput(text: string): { family: ToolFamily; version: string } | undefined {
  const m = /^(apptainer|singularity-ce|singularity) version v?(\d+)\.(\d+)(?:\.(\d+))?/im.exec(text.trim());
  if (!m) return undefined;
  return { family: m[1] as ToolFamily, version: `${m[2]}.${m[3]}.${m[4] ?? '0'}` };
}

/**
 * The flags and variable prefix for a release; throws `MR_EXECUTOR_TOOL_UNSUPPORTED` (a system failure)
 * for a release the executor does not support. Where each fact comes from: docs/container-tools.md.
 */
export function toolCapabilities(path: string, family: ToolFamily, version: string): ContainerTool {
  const support: { min: string; below?: string } = SUPPORTED_TOOLS[family];
  if (
    compareVersions(version, support.min) < 0 ||
    (support.below && compareVersions(version, support.below) >= 0)
  ) {
    throw new ExecutorError(
      'MR_EXECUTOR_TOOL_UNSUPPORTED',
      `${path} is ${family} ${version}, which the executor does not support`,
      {
        hint: 'Supported: apptainer 1.0 and later, SingularityCE 3.9 and later, Singularity 3.7 and 3.8. Set apptainer_executable to a supported installation (see docs/container-tools.md).',
      },
    );
  }
  const at = (min: string) => compareVersions(version, min) >= 0;
  return {
    path,
    family,
    version,
    prefix: family === 'apptainer' ? 'APPTAINER' : 'SINGULARITY',
    // --no-eval: apptainer v1.1.0 and SingularityCE v3.10.0 (cmd/internal/cli/action_flags.go).
    noEval: family === 'apptainer' ? at('1.1.0') : family === 'singularity-ce' && at('3.10.0'),
  };
}

/** Where probe results are kept: `$XDG_CACHE_HOME/gitlab-meta-runner`, else `~/.cache/gitlab-meta-runner`. */
export function probeCacheDir(env: Env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'gitlab-meta-runner');
}

interface CacheEntry {
  host: string;
  path: string;
  size: number;
  mtimeMs: number;
  family: ToolFamily;
  version: string;
  probedAt: number;
}

/** Entries kept in the cache file; the least recently probed go first. */
const MAX_ENTRIES = 32;
const PROBE_TIMEOUT_MS = 60_000;
/**
 * How long the output may still take to arrive once the tool has exited. What it printed is in the pipe
 * by then; a process it left behind may hold the pipe open far longer, and is not waited for.
 */
const OUTPUT_AFTER_EXIT_MS = 1000;

/** Runs `TOOL --version`: ends when the tool exits, with what it printed by then (or its pipes close). */
function runVersion(path: string, env: Env): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, ['--version'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: string) => {
      output += chunk;
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    let drain: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      // Our ends of the pipes: a process the tool left behind keeps its own, and this one can exit.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, output });
    };
    child.once('error', (error) => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      reject(error);
    });
    child.once('exit', (code) => {
      drain = setTimeout(() => finish(code), OUTPUT_AFTER_EXIT_MS);
    });
    child.once('close', (code) => finish(code));
  });
}

export interface ProbeOptions {
  env: Env;
  /** This node's name: a home directory shared by the nodes holds one entry per node. */
  host: string;
  /** Default {@link probeCacheDir}. */
  cacheDir?: string | undefined;
}

/**
 * Finds out which tool and release `path` is. The answer is cached per node and executable (its path, size
 * and modification time), so only the first step after an installation changes runs `--version`.
 */
export async function probeContainerTool(path: string, options: ProbeOptions): Promise<ContainerTool> {
  const info = await stat(path);
  const cacheFile = join(options.cacheDir ?? probeCacheDir(options.env), 'container-tools.json');
  const entries: CacheEntry[] = await readFile(cacheFile, 'utf8').then(
    (text) => {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? (parsed as CacheEntry[]) : [];
    },
    () => [],
  );
  const hit = entries.find(
    (e) => e.host === options.host && e.path === path && e.size === info.size && e.mtimeMs === info.mtimeMs,
  );
  if (hit) return toolCapabilities(path, hit.family, hit.version);

  let result: { code: number | null; output: string };
  try {
    result = await runVersion(path, options.env);
  } catch (error) {
    throw new ExecutorError(
      'MR_EXECUTOR_APPTAINER_MISSING',
      `cannot run ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const parsed = parseVersionOutput(result.output);
  if (!parsed) {
    const said = result.output.trim().split('\n')[0]?.slice(0, 200) ?? '';
    throw new ExecutorError(
      'MR_EXECUTOR_TOOL_UNSUPPORTED',
      `${path} --version ${result.code === 0 ? 'printed' : `exited with code ${result.code} and printed`} ${JSON.stringify(said)}, which is no apptainer, SingularityCE or Singularity version`,
      {
        hint: 'Set apptainer_executable to apptainer (1.0 or later), SingularityCE (3.9 or later) or Singularity 3.7/3.8.',
      },
    );
  }
  const tool = toolCapabilities(path, parsed.family, parsed.version);
  const entry: CacheEntry = {
    host: options.host,
    path,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ...parsed,
    probedAt: Date.now(),
  };
  const kept = entries
    .filter((e) => !(e.host === options.host && e.path === path))
    .sort((a, b) => b.probedAt - a.probedAt)
    .slice(0, MAX_ENTRIES - 1);
  // A cache that cannot be written only costs a probe next time.
  await writeCache(cacheFile, [entry, ...kept]).catch(() => {});
  return tool;
}

async function writeCache(file: string, entries: CacheEntry[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, `${JSON.stringify(entries)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/**
 * The container tool of `apptainer_executable` (a name looked up in `PATH`, or a path), probed once per node
 * and executable: the flags and variable prefix follow from its release.
 */
export async function resolveContainerTool(
  executable: string,
  options: ProbeOptions & { cwd: string },
): Promise<ContainerTool> {
  const { findApptainer } = await import('./apptainer.js');
  return probeContainerTool(findApptainer(executable, options.env, options.cwd), options);
}
