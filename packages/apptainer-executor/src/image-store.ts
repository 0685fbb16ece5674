import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@mr/logger';
import { pullDirs } from './apptainer.js';
import type { ContainerTool } from './container-tool.js';
import { type ExecutorIo, runChild } from './child-process.js';
import { credentialEnvironment, type RegistryCredential } from './credentials.js';
import { ExecutorError } from './errors.js';
import type { ImageReference } from './image-reference.js';
import type { Env } from './job-environment.js';
import { acquireLock, type LockTiming } from '@mr/node-kit/lock';
import { PULL_VARIABLE, pullDirName, pullerId, removeDeadPulls, thisPuller } from './pull-leftovers.js';
import type { ExecutorSettings, PullPolicy } from './setting-keys.js';
import { STEP_VARIABLE } from './step-processes.js';

export interface EnsureImageOptions {
  settings: ExecutorSettings;
  tool: ContainerTool;
  env: Env;
  io: ExecutorIo;
  logger: Logger;
  credential?: RegistryCredential | undefined;
  signal?: AbortSignal | undefined;
  lockTiming?: Partial<LockTiming> | undefined;
  host?: string | undefined;
  /** The prepare step's marker (`STEP_VARIABLE`), set on the pull so that the job's cleanup finds it. */
  marker?: string | undefined;
}

export interface ReadyImage {
  path: string;
  /** How the image became available, for the job log. */
  how: 'pulled' | 'present' | 'pulled by another job' | 'local file';
}

/** The path of an image in the image directory (or its own path for a local image). */
export function imagePath(image: ImageReference, settings: ExecutorSettings): string {
  if (image.localPath) return image.localPath;
  if (!settings.image_dir) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      'image_dir is not set: the executor has nowhere to store images',
      {
        hint: 'Set image_dir to a directory for pulled images, ideally on a file system shared by the nodes.',
      },
    );
  }
  return join(settings.image_dir, image.fileName);
}

const exists = (path: string) =>
  stat(path).then(
    (s) => s,
    () => undefined,
  );

/**
 * Makes an image available according to the pull policies, tried in order (like the docker executor:
 * `[always, if-not-present]` falls back to a present image when the pull fails). Pulls are serialized
 * across processes and hosts by a lock beside the image; a process that waited for another's pull uses it.
 */
export async function ensureImage(
  image: ImageReference,
  policies: readonly PullPolicy[],
  options: EnsureImageOptions,
): Promise<ReadyImage> {
  const path = imagePath(image, options.settings);
  if (image.localPath) {
    if (await exists(path)) return { path, how: 'local file' };
    throw new ExecutorError('MR_EXECUTOR_IMAGE_MISSING', `the image file ${path} does not exist`);
  }
  const startedAt = Date.now();
  let firstError: unknown;
  for (const policy of policies) {
    if (policy !== 'always' && (await exists(path))) return { path, how: 'present' };
    if (policy === 'never') {
      firstError ??= new ExecutorError(
        'MR_EXECUTOR_IMAGE_MISSING',
        `image ${image.source} is not in ${options.settings.image_dir} and the pull policy is "never"`,
        {
          hint: 'Pull it into the image directory first, or allow the pull policies "if-not-present" or "always".',
        },
      );
      continue;
    }
    try {
      return await pullLocked(image, path, policy, startedAt, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      firstError ??= error;
      const next = policies[policies.indexOf(policy) + 1];
      if (next) options.logger.warn(`${(error as Error).message}; trying pull policy "${next}"`);
    }
  }
  throw firstError;
}

async function pullLocked(
  image: ImageReference,
  path: string,
  policy: PullPolicy,
  startedAt: number,
  options: EnsureImageOptions,
): Promise<ReadyImage> {
  const { logger } = options;
  // Someone may pull it while we wait: a present image is enough for "if-not-present", and a pull that
  // ended after this job started counts as this job's "always" pull.
  const pulledMeanwhile = async () => {
    const present = await exists(path);
    return present !== undefined && (policy === 'if-not-present' || present.mtimeMs >= startedAt);
  };
  const host = options.host ?? hostname();
  const lock = await acquireLock(`${path}.lock`, {
    satisfied: pulledMeanwhile,
    purpose: `pulling ${image.source}`,
    timing: options.lockTiming,
    signal: options.signal,
    host,
    onWait: (owner, waited) =>
      logger.info(
        owner
          ? `Waiting for ${owner.host} (pid ${owner.pid}) to finish pulling ${image.source}${waited > 0 ? ` (waited ${Math.round(waited / 1000)} s)` : ''}`
          : `Waiting for another job to finish pulling ${image.source}`,
      ),
    onStale: async (owner, reason) => {
      logger.warn(
        `Removing the stale pull lock of ${image.source}${owner ? ` held by ${owner.host} (pid ${owner.pid})` : ''}: ${reason}`,
      );
      // A holder of this node that died (SIGKILLed during its pull) may have left its pull running and a
      // partial image: both go before this pull starts, so that the image is never pulled twice at once.
      const puller = owner?.processStart && { host: owner.host, pid: owner.pid, start: owner.processStart };
      if (puller)
        await removeDeadPulls(options.settings.image_dir!, host, { fileName: image.fileName, puller });
    },
  }).catch((error: unknown) => {
    if (options.signal?.aborted) throw canceled(options.signal);
    throw error;
  });
  if (!lock) return { path, how: 'pulled by another job' };
  try {
    if (await pulledMeanwhile()) return { path, how: 'pulled by another job' };
    await pull(image, path, options);
    return { path, how: 'pulled' };
  } finally {
    await lock.release();
  }
}

const canceled = (signal: AbortSignal) =>
  new ExecutorError('MR_EXECUTOR_CANCELED', `cancelled by ${String(signal.reason ?? 'SIGTERM')}`);

/**
 * `apptainer pull` into a temporary directory beside the image (see `pullDirName`), then an atomic rename
 * into place. The pull carries `PULL_VARIABLE` and the step's marker, so that a pull whose executor was
 * SIGKILLed is found and ended by the next prepare of the image or the job's cleanup.
 */
async function pull(image: ImageReference, path: string, options: EnsureImageOptions): Promise<void> {
  const { settings, tool, logger } = options;
  const dir = settings.image_dir!;
  const puller = thisPuller(options.host ?? hostname());
  const tempDir = join(dir, pullDirName(image.fileName, puller, randomBytes(4).toString('hex')));
  const temp = join(tempDir, image.fileName);
  await mkdir(tempDir);
  // Without apptainer's layer cache the image is built directly at the temporary path (pull.go, apptainer
  // v1.0.0 --disable-cache), so nothing accumulates in APPTAINER_CACHEDIR. With it, apptainer's own
  // tmp-copy-* goes into the temporary directory too (it is made beside the destination).
  const args = ['pull', ...(settings.image_layer_cache ? [] : ['--disable-cache']), temp, image.source];
  logger.info(
    `Pulling ${image.source} with ${tool.path}${options.credential ? ` (logging in to ${options.credential.registry} with ${options.credential.from})` : ''}`,
  );
  const started = Date.now();
  try {
    let result: Awaited<ReturnType<typeof runChild>>;
    try {
      result = await runChild(tool.path, args, {
        env: {
          ...options.env,
          ...pullDirs(tool, settings),
          ...credentialEnvironment(tool.prefix, options.credential),
          [PULL_VARIABLE]: pullerId(puller),
          ...(options.marker ? { [STEP_VARIABLE]: options.marker } : {}),
        },
        io: options.io,
        signal: options.signal,
        killTimeout: settings.kill_timeout,
      });
    } catch (error) {
      throw new ExecutorError(
        'MR_EXECUTOR_APPTAINER_MISSING',
        `cannot run ${tool.path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (result.canceled) throw canceled(options.signal!);
    const written = await exists(temp);
    if (result.code !== 0 || !written?.isFile() || written.size === 0) {
      throw new ExecutorError(
        'MR_EXECUTOR_PULL_FAILED',
        result.code !== 0
          ? `pulling ${image.source} failed: ${tool.path} pull exited with code ${result.code}`
          : `pulling ${image.source} failed: ${tool.path} pull wrote no image`,
        {
          hint: image.registry
            ? `Check the image name and tag, and that ${image.registry} is reachable from this node and accepts the job's credentials.`
            : 'Check the image name and that its source is reachable from this node.',
        },
      );
    }
    await rename(temp, path);
    logger.info(`Pulled ${image.source} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(tempDir, { force: true, recursive: true }).catch(() => {});
  }
}
