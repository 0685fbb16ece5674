import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { tryAcquireLock } from '@mr/node-kit/lock';
import { instantiateExecutor, loadConfig } from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { Checklist } from './check.js';
import { COMMAND_LIMIT_MS, checkContainerTool, checkGpus, checkRunner, type ProbeRun } from './node-tools.js';
import { endProbeCommands } from './probe-command.js';

/** The probe's time limit when doctor names none (`--node-time-limit`). */
export const DEFAULT_PROBE_LIMIT_MS = 600_000;

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
 * builds_dir writable, the pull lock, GPUs when the instance asks for them. Written as JSON to `out` within
 * `limitMs` (doctor's `--batch-timeout`: it stops waiting then): a step still running then is reported as
 * such, and whatever the probe started is killed, so nothing of it stays on the node.
 */
export async function runNodeProbe(
  context: CommandContext,
  instance: string,
  out: string,
  limitMs = DEFAULT_PROBE_LIMIT_MS,
): Promise<void> {
  const list = new Checklist();
  const signal = AbortSignal.timeout(limitMs);
  const probe: ProbeRun = {
    env: context.env,
    cwd: context.cwd,
    signal,
    commandMs: Math.min(COMMAND_LIMIT_MS, Math.max(1_000, Math.floor(limitMs / 4))),
  };
  const step = { now: 'reading the config' };
  const timeUp = new Promise<'late'>((resolve) => {
    if (signal.aborted) resolve('late');
    signal.addEventListener('abort', () => resolve('late'), { once: true });
  });
  try {
    const checks = probeChecks(list, context, instance, probe, step).then(() => 'done' as const);
    if ((await Promise.race([checks, timeUp])) === 'late')
      list.fail(
        'node.probe',
        `the probe did not finish within ${Math.round(limitMs / 1000)} s: it was still ${step.now}`,
        'do that step by hand in a batch job on the node; a command that hangs there also hangs jobs',
      );
  } finally {
    endProbeCommands();
  }
  const checks = [...list.checks];
  await writeFileAtomic(out, `${JSON.stringify({ host: hostname(), checks })}\n`);
}

async function probeChecks(
  list: Checklist,
  context: CommandContext,
  instance: string,
  probe: ProbeRun,
  step: { now: string },
): Promise<void> {
  const { env } = probe;
  try {
    const config = await loadConfig(context.configFile, { env, requireManagementToken: false });
    step.now = 'running gitlab-runner --version';
    await checkRunner(list, probe);
    const settings = instantiateExecutor(config, instance, {
      thisPath: context.thisPath,
      env,
      home: env.HOME || homedir(),
      configFile: context.configFile,
    });
    step.now = `probing the container tool ${settings.apptainer_executable}`;
    await checkContainerTool(list, probe, settings.apptainer_executable);
    const imageDir = settings.image_dir;
    step.now = 'checking image_dir and builds_dir';
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
    step.now = 'running nvidia-smi -L';
    if (gpu) await checkGpus(list, probe);
    else list.skip('node.gpu', `instance ${instance} asks for no NVIDIA GPUs (gpu_nvidia)`);
  } catch (error) {
    list.fail(
      'node.config',
      `cannot read the config on this node: ${(error as Error).message}`,
      'the config file and data directory must be on a file system the compute nodes mount',
    );
  }
}

/**
 * The pull lock (node-kit's NFS-safe lock) in image_dir, as a pull uses it: published with `link(2)` (or an
 * exclusive create where the file system refuses hard links), read back and refreshed by its heartbeat,
 * released. A directory that passed the image_dir check fails here only when link(2) or the create fails
 * otherwise than by refusing hard links (EIO or ESTALE from a network file system, say).
 */
async function checkPullLock(list: Checklist, dir: string): Promise<void> {
  const fix =
    'put image_dir on a file system with working hard links or exclusive create (NFSv3 or later, Lustre, GPFS)';
  const path = join(dir, `.doctor-lock-${hostname()}-${process.pid}.lock`);
  try {
    const taken = await tryAcquireLock(path, { purpose: 'doctor' });
    if (!taken.lock) {
      list.fail('node.pull-lock', `a fresh lock file in ${dir} was found taken by someone else`, fix);
      return;
    }
    const { published } = taken.lock;
    const refreshed = await taken.lock.refresh();
    await taken.lock.release();
    if (!refreshed) {
      list.fail('node.pull-lock', `the lock file ${path} was gone or replaced right after it was taken`, fix);
      return;
    }
    list.ok('node.pull-lock', `the pull lock works in ${dir}`, [
      published.via === 'link'
        ? 'published with a hard link (link(2)), atomic on local file systems, NFS and Lustre'
        : `this file system refuses hard links (${published.linkError}): published with an exclusive create instead, atomic on local file systems and NFSv3 or later`,
    ]);
  } catch (error) {
    list.fail('node.pull-lock', `the pull lock does not work in ${dir}: ${(error as Error).message}`, fix);
  }
}
