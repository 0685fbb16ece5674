import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ContainerTool } from './container-tool.js';
import { ExecutorError } from './errors.js';
import type { Env } from './job-environment.js';
import type { ExecutorSettings } from './setting-keys.js';

/**
 * Variables passed into the container through `--cleanenv` by default: what GPU jobs, Slurm-aware tools and
 * network access need. `pass_env` adds more. A trailing `*` matches a prefix.
 */
export const BUILTIN_PASS_ENV = [
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'NVIDIA_DRIVER_CAPABILITIES',
  'ROCR_VISIBLE_DEVICES',
  'HIP_VISIBLE_DEVICES',
  'GPU_DEVICE_ORDINAL',
  'ZE_AFFINITY_MASK',
  'OMP_NUM_THREADS',
  'SLURM_*',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
] as const;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds `apptainer_executable`: a path (relative to `cwd`) when it contains a slash, else a name looked up
 * in `PATH`. Throws `MR_EXECUTOR_APPTAINER_MISSING` (a system failure) when there is none.
 */
export function findApptainer(executable: string, env: Env, cwd: string): string {
  let path: string | undefined;
  if (executable.includes('/')) {
    const candidate = isAbsolute(executable) ? executable : resolve(cwd, executable);
    if (isExecutable(candidate)) path = candidate;
  } else {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, executable);
      if (isExecutable(candidate)) {
        path = isAbsolute(candidate) ? candidate : resolve(cwd, candidate);
        break;
      }
    }
  }
  if (!path) {
    throw new ExecutorError(
      'MR_EXECUTOR_APPTAINER_MISSING',
      `cannot find the container tool "${executable}"`,
      {
        details: executable.includes('/')
          ? [`no executable file at ${executable}`]
          : [`not found in PATH=${env.PATH ?? ''}`],
        hint: 'Install apptainer (or singularity) on this node, load its module in the runner environment, or set apptainer_executable to its full path.',
      },
    );
  }
  return path;
}

/** Whether a variable name matches one of the names or `PREFIX_*` patterns. */
export function matchesEnvPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * The environment for `apptainer exec`: the executor's own environment (for apptainer itself; `--cleanenv`
 * keeps it out of the container) plus `<PREFIX>ENV_<NAME>` for every variable that must reach the job
 * (the built-in GPU, Slurm and proxy list and `pass_env`). Values never appear on the command line.
 */
export function execEnvironment(
  tool: Pick<ContainerTool, 'prefix'>,
  env: Env,
  settings: ExecutorSettings,
): Env {
  const patterns = [...BUILTIN_PASS_ENV, ...settings.pass_env];
  const out: Env = { ...env, ...pullDirs(tool, settings) };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !matchesEnvPattern(name, patterns)) continue;
    const key = `${tool.prefix}ENV_${name}`;
    if (out[key] === undefined) out[key] = value;
  }
  return out;
}

/** `<PREFIX>_CACHEDIR` and `<PREFIX>_TMPDIR` from `image_cache_dir` and `image_tmp_dir`. */
export function pullDirs(tool: Pick<ContainerTool, 'prefix'>, settings: ExecutorSettings): Env {
  const out: Env = {};
  if (settings.image_cache_dir) out[`${tool.prefix}_CACHEDIR`] = settings.image_cache_dir;
  if (settings.image_tmp_dir) out[`${tool.prefix}_TMPDIR`] = settings.image_tmp_dir;
  return out;
}

/**
 * The shell code run inside the container before the job's script: it first creates the marker file `$1`,
 * which proves that apptainer started the container, then runs the script `$2` with bash when the image
 * has it (gitlab-runner writes bash scripts), else sh.
 */
export const CONTAINER_WRAPPER =
  ': > "$1" || exit 1; if command -v bash >/dev/null 2>&1; then exec bash "$2"; fi; exec sh "$2"';

/** The same for stages run on the host, without the marker. */
export const HOST_WRAPPER = 'if command -v bash >/dev/null 2>&1; then exec bash "$1"; fi; exec sh "$1"';

export interface ExecArgsInput {
  image: string;
  binds: readonly string[];
  pwd: string;
  marker: string;
  script: string;
  /** The job's own home directory, for `home = "job"`. */
  jobHome: string;
}

/**
 * The HOME flags: the job's own directory (`--home DIR`: HOME=DIR, mounted read-write), the user's home as
 * apptainer mounts it by default, or none (`--no-home`: HOME keeps the host path, which does not exist in
 * the container; "Skipping home directory mount" in internal/pkg/runtime/engine/apptainer/container_linux.go,
 * apptainer v1.0.0).
 */
function homeArguments(settings: ExecutorSettings, jobHome: string): string[] {
  if (settings.home === 'user') return [];
  if (settings.home === 'none') return ['--no-home'];
  return ['--home', jobHome];
}

/**
 * Arguments of `apptainer exec` for one job script, with the flags this release has: `--no-eval` from
 * apptainer 1.1 and SingularityCE 3.10 on (older ones shell-evaluate `<PREFIX>ENV_*` values); `--pid` on
 * every supported release (docs/container-tools.md says what it does and when a node drops it).
 */
export function execArguments(
  settings: ExecutorSettings,
  tool: Pick<ContainerTool, 'noEval'>,
  input: ExecArgsInput,
  options: { writableTmpfs?: boolean } = {},
): string[] {
  return [
    'exec',
    ...homeArguments(settings, input.jobHome),
    ...((options.writableTmpfs ?? settings.writable_tmpfs) ? ['--writable-tmpfs'] : []),
    '--cleanenv',
    ...(tool.noEval ? ['--no-eval'] : []),
    // A PID namespace of its own: when the script ends, the kernel ends everything it left running there.
    '--pid',
    ...(settings.gpu_nvidia ? ['--nv'] : []),
    ...(settings.gpu_amd ? ['--rocm'] : []),
    ...input.binds.flatMap((b) => ['--bind', b]),
    '--pwd',
    input.pwd,
    ...settings.exec_args,
    input.image,
    '/bin/sh',
    '-c',
    CONTAINER_WRAPPER,
    'sh',
    input.marker,
    input.script,
  ];
}
