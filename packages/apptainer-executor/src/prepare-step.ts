import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveContainerTool } from './container-tool.js';
import { findCredential } from './credentials.js';
import { evictImages } from './housekeeping.js';
import { ensureImage } from './image-store.js';
import { markInUse, touchImage } from './image-usage.js';
import { resolveJobImage } from './job-image.js';
import type { StepContext } from './step-context.js';
import { endStepProcesses, jobKey, STEP_VARIABLE, stepMarker } from './step-processes.js';
import { formatSize } from '@mr/node-kit/size';

/**
 * prepare: creates the job's directories, resolves the job's image, makes it available by pull policy
 * (one pull per image across processes and hosts) and reports it in the job log.
 */
export async function prepareStep(context: StepContext): Promise<void> {
  const marker = stepMarker(jobKey(context.job, context.settings), 'prepare');
  try {
    await prepareMarked(context, marker);
  } finally {
    await endStepProcesses(marker);
  }
}

async function prepareMarked(context: StepContext, marker: string): Promise<void> {
  const { settings, job, logger } = context;
  const jobDir = join(settings.builds_dir, job.jobId());
  const { image, login, policies, from } = resolveJobImage(job, settings);
  // Marked: what `--version` leaves running ends with the step.
  const tool = await resolveContainerTool(settings.apptainer_executable, {
    env: { ...context.env, [STEP_VARIABLE]: marker },
    cwd: context.cwd,
    host: context.host,
  });
  logger.info(`Using ${tool.family} ${tool.version} (${tool.path})`);
  await mkdir(jobDir, { recursive: true });
  for (const dir of [
    settings.cache_dir,
    settings.image_dir,
    settings.image_cache_dir,
    settings.image_tmp_dir,
  ]) {
    if (dir) await mkdir(dir, { recursive: true });
  }
  const ready = await ensureImage(image, policies, {
    settings,
    tool,
    env: context.env,
    io: context.io,
    logger,
    credential:
      login && image.registry
        ? { registry: image.registry, ...login, from: 'the login in the image name' }
        : findCredential(image.registry, job, context.env, (m) => logger.warn(m)),
    signal: context.signal,
    lockTiming: context.lockTiming,
    host: context.host,
    marker,
  });
  const fromText = from === 'default_image' ? " (the runner's default_image: the job has none)" : '';
  logger.info(`Using image ${image.written}${fromText} = ${image.source}, ${ready.how}: ${ready.path}`);
  if (image.localPath || !settings.image_dir) return;
  try {
    await markInUse(settings.image_dir, image.fileName, context.host, job.jobId());
    await touchImage(ready.path);
  } catch (error) {
    logger.warn(`cannot record that this job uses ${ready.path}: ${(error as Error).message}`);
  }
  // Without image_max_size and image_max_age, this only removes what killed pulls left behind.
  try {
    const result = await evictImages(settings.image_dir, {
      maxSize: settings.image_max_size,
      maxAge: settings.image_max_age,
      keep: [image.fileName],
      lockTiming: context.lockTiming,
      host: context.host,
    });
    for (const name of result.temporaries) logger.info(`Removed ${name}, left by a pull that did not finish`);
    for (const r of result.removed) {
      logger.info(
        `Evicted image ${r.name} (${formatSize(r.size)}, ${r.reason === 'age' ? 'unused longer than image_max_age' : 'over image_max_size'})`,
      );
    }
  } catch (error) {
    logger.warn(`image housekeeping in ${settings.image_dir} failed: ${(error as Error).message}`);
  }
}
