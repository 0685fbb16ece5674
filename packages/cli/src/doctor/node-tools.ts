import { hostname } from 'node:os';
import { resolveContainerTool } from '@mr/apptainer-executor';
import { findExecutable } from '@mr/runner-config';
import type { Checklist } from './check.js';
import { type ProbeOutput, runProbeCommand } from './probe-command.js';

/** The longest one command of the probe may take: a `--version` answers within seconds. */
export const COMMAND_LIMIT_MS = 60_000;

/** What the probe's checks share: the environment, and the time left. */
export interface ProbeRun {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborts when the probe's time is up. */
  signal: AbortSignal;
  /** Per command: at most a quarter of the probe's time, at most {@link COMMAND_LIMIT_MS}. */
  commandMs: number;
}

function run(probe: ProbeRun, file: string, args: string[]): Promise<ProbeOutput> {
  return runProbeCommand(file, args, { env: probe.env, timeoutMs: probe.commandMs, signal: probe.signal });
}

function failure(file: string, args: string[], out: ProbeOutput, probe: ProbeRun): string | undefined {
  if (out.error) return `${file} ${args.join(' ')} failed: ${out.error.message}`;
  if (out.timedOut)
    return `${file} ${args.join(' ')} did not finish within ${Math.round(probe.commandMs / 1000)} s (it was stopped with everything it started)`;
  if (out.code !== 0) return `${file} ${args.join(' ')} exited with code ${out.code}`;
  return undefined;
}

/** A release as three numbers, from text such as `Version:      17.0.0`. */
export function runnerVersion(text: string): string | undefined {
  return /^Version:\s+v?(\d+\.\d+\.\d+)/m.exec(text)?.[1];
}

/**
 * Whether `gitlab-runner run-single` of a release reads a config file (`-c/--config`): from v17.1.0 on
 * (gitlab-runner commit 995f05612, "Allow reading run-single configuration from a config file").
 */
export function runSingleTakesConfig(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 17 || (major === 17 && minor >= 1);
}

export async function checkRunner(list: Checklist, probe: ProbeRun) {
  const { env } = probe;
  const path = findExecutable('gitlab-runner', { path: env.PATH, cwd: probe.cwd });
  if (!path) {
    list.fail(
      'node.gitlab-runner',
      `gitlab-runner is not on PATH on this node (${env.PATH || 'empty'})`,
      'install gitlab-runner where the compute nodes see it (a shared directory), and put it on PATH in the [launch] script',
    );
    return;
  }
  const answer = await run(probe, path, ['--version']);
  const failed = failure(path, ['--version'], answer, probe);
  if (failed) {
    list.fail('node.gitlab-runner', failed, 'reinstall gitlab-runner');
    return;
  }
  const version = runnerVersion(answer.stdout);
  if (!version) {
    list.fail(
      'node.gitlab-runner',
      `${path} --version printed no version`,
      'is it gitlab-runner? reinstall it',
    );
    return;
  }
  if (runSingleTakesConfig(version))
    list.ok('node.gitlab-runner', `gitlab-runner ${version} at ${path}; its run-single takes --config`);
  else
    list.fail(
      'node.gitlab-runner',
      `gitlab-runner ${version} at ${path}: its run-single has no --config (added in 17.1.0)`,
      'install gitlab-runner 17.1 or later',
    );
}

/**
 * The container tool, found and probed the way the executor does. Its `--version` is first run bounded
 * (in its own process group, with everything it started killed): the executor's own probe gives a tool
 * that never exits 60 s.
 */
export async function checkContainerTool(
  list: Checklist,
  probe: ProbeRun,
  executable: string,
): Promise<void> {
  const install =
    'install apptainer (1.0 or later) on the compute nodes, or set [executor] apptainer_executable';
  const path = findExecutable(executable, { path: probe.env.PATH, cwd: probe.cwd });
  if (path) {
    const answer = await run(probe, path, ['--version']);
    if (answer.timedOut) {
      list.fail('node.container-tool', failure(path, ['--version'], answer, probe)!, install);
      return;
    }
  }
  try {
    const tool = await resolveContainerTool(executable, { env: probe.env, host: hostname(), cwd: probe.cwd });
    list.ok('node.container-tool', `${tool.family} ${tool.version} at ${tool.path}`, [
      `exec --no-eval (variables reach the job unevaluated): ${tool.noEval ? 'yes' : 'no, this release has none'}`,
      `variables read with prefix ${tool.prefix}_`,
    ]);
  } catch (error) {
    const e = error as { message: string; hint?: string };
    list.fail('node.container-tool', e.message, e.hint ?? install);
  }
}

export async function checkGpus(list: Checklist, probe: ProbeRun) {
  const { env } = probe;
  const smi = findExecutable('nvidia-smi', { path: env.PATH, cwd: probe.cwd });
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (!smi) {
    list.fail(
      'node.gpu',
      `the instance asks for NVIDIA GPUs (gpu_nvidia) but nvidia-smi is not on this node${visible ? ` (CUDA_VISIBLE_DEVICES=${visible})` : ''}`,
      'request GPUs in the [launch] script (#SBATCH --gres=gpu:1) and a partition with GPU nodes',
    );
    return;
  }
  try {
    const answer = await run(probe, smi, ['-L']);
    const failed = failure(smi, ['-L'], answer, probe);
    if (failed) throw new Error(failed);
    const gpus = answer.stdout.trim().split('\n').filter(Boolean);
    if (gpus.length === 0) throw new Error('it lists no GPU');
    list.ok(
      'node.gpu',
      `${gpus.length} GPU(s) visible${visible ? ` (CUDA_VISIBLE_DEVICES=${visible})` : ''}`,
      gpus,
    );
  } catch (error) {
    list.fail(
      'node.gpu',
      `nvidia-smi -L failed: ${(error as Error).message}`,
      'request GPUs in the [launch] script (#SBATCH --gres=gpu:1)',
    );
  }
}
