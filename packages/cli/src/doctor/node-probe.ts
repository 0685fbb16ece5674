import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveContainerTool } from '@mr/apptainer-executor';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { tryAcquireLock } from '@mr/node-kit/lock';
import { findExecutable, instantiateExecutor, loadConfig } from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { Checklist } from './check.js';

const run = promisify(execFile);

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

async function checkRunner(list: Checklist, env: Record<string, string | undefined>, cwd: string) {
  const path = findExecutable('gitlab-runner', { path: env.PATH, cwd });
  if (!path) {
    list.fail(
      'node.gitlab-runner',
      `gitlab-runner is not on PATH on this node (${env.PATH || 'empty'})`,
      'install gitlab-runner where the compute nodes see it (a shared directory), and put it on PATH in the [launch] script',
    );
    return;
  }
  let output: string;
  try {
    output = (await run(path, ['--version'], { env, timeout: 60_000 })).stdout;
  } catch (error) {
    list.fail(
      'node.gitlab-runner',
      `${path} --version failed: ${(error as Error).message}`,
      'reinstall gitlab-runner',
    );
    return;
  }
  const version = runnerVersion(output);
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

async function checkWritable(list: Checklist, id: string, what: string, dir: string): Promise<boolean> {
  const probe = join(dir, `.doctor-${hostname()}-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'doctor\n', { mode: 0o600 });
    await rm(probe, { force: true });
    list.ok(id, `${what} ${dir} is writable`);
    return true;
  } catch (error) {
    list.fail(
      id,
      `${what} ${dir} is not writable on this node: ${(error as Error).message}`,
      `create ${dir} with write permission for this user on a file system the compute nodes mount, or change it in [executor]`,
    );
    return false;
  }
}

/**
 * What a compute node has, checked from inside a batch job for one instance: gitlab-runner and whether its
 * run-single takes --config, the container tool and the features the executor will use, image_dir and
 * builds_dir writable, the pull lock, GPUs when the instance asks for them. Written as JSON to `out`.
 */
export async function runNodeProbe(context: CommandContext, instance: string, out: string): Promise<void> {
  const list = new Checklist();
  const env = context.env;
  try {
    const config = await loadConfig(context.configFile, { env, requireManagementToken: false });
    await checkRunner(list, env, context.cwd);
    const settings = instantiateExecutor(config, instance, {
      thisPath: context.thisPath,
      env,
      home: env.HOME || homedir(),
      configFile: context.configFile,
    });
    try {
      const tool = await resolveContainerTool(settings.apptainer_executable, {
        env,
        host: hostname(),
        cwd: context.cwd,
      });
      list.ok('node.container-tool', `${tool.family} ${tool.version} at ${tool.path}`, [
        `exec --no-eval (variables reach the job unevaluated): ${tool.noEval ? 'yes' : 'no, this release has none'}`,
        `variables read with prefix ${tool.prefix}_`,
      ]);
    } catch (error) {
      const e = error as { message: string; hint?: string };
      list.fail(
        'node.container-tool',
        e.message,
        e.hint ??
          'install apptainer (1.0 or later) on the compute nodes, or set [executor] apptainer_executable',
      );
    }
    const imageDir = settings.image_dir;
    if (!imageDir)
      list.fail(
        'node.image-dir',
        `[executor] image_dir is not set for ${instance}: jobs with an image cannot run`,
        'set [executor] image_dir to a directory on a file system the compute nodes share',
      );
    else if (await checkWritable(list, 'node.image-dir', 'image_dir', imageDir))
      await checkPullLock(list, imageDir);
    await checkWritable(list, 'node.builds-dir', 'builds_dir', settings.builds_dir);
    const gpu = String(settings.gpu_nvidia) === 'true';
    if (gpu) await checkGpus(list, env, context.cwd);
    else list.skip('node.gpu', `instance ${instance} asks for no NVIDIA GPUs (gpu_nvidia)`);
  } catch (error) {
    list.fail(
      'node.config',
      `cannot read the config on this node: ${(error as Error).message}`,
      'the config file and data directory must be on a file system the compute nodes mount',
    );
  }
  await writeFileAtomic(out, `${JSON.stringify({ host: hostname(), checks: list.checks })}\n`);
}

/** The pull lock (node-kit's NFS-safe lock) taken and released in image_dir. */
async function checkPullLock(list: Checklist, dir: string): Promise<void> {
  const fix =
    'put image_dir on a file system with working hard links or exclusive create (NFSv3 or later, Lustre, GPFS)';
  try {
    const taken = await tryAcquireLock(join(dir, `.doctor-lock-${hostname()}-${process.pid}.lock`), {
      purpose: 'doctor',
    });
    if (!taken.lock) {
      list.fail('node.pull-lock', `a fresh lock file in ${dir} was found taken by someone else`, fix);
      return;
    }
    await taken.lock.release();
    list.ok('node.pull-lock', `the pull lock works in ${dir}`);
  } catch (error) {
    list.fail('node.pull-lock', `the pull lock does not work in ${dir}: ${(error as Error).message}`, fix);
  }
}

async function checkGpus(list: Checklist, env: Record<string, string | undefined>, cwd: string) {
  const smi = findExecutable('nvidia-smi', { path: env.PATH, cwd });
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
    const gpus = (await run(smi, ['-L'], { env, timeout: 60_000 })).stdout.trim().split('\n').filter(Boolean);
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
