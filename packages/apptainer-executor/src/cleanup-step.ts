import { chmod, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { unmarkInUse } from './image-usage.js';
import { removeDeadPulls } from './pull-leftovers.js';
import type { StepContext } from './step-context.js';
import { endJobProcesses, jobKey } from './step-processes.js';

/** Makes every directory under `dir` writable so that files in read-only directories can be removed. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => {});
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory() && !entry.isSymbolicLink()) await makeWritable(join(dir, entry.name));
  }
}

/**
 * cleanup: ends every process a step of the job left running (after gitlab-runner SIGKILLed a step, its
 * processes may live on), then removes the job's builds directory, its in-use markers and what pulls of
 * dead executors of this node left in the image directory. Idempotent:
 * gitlab-runner calls it after every failed prepare attempt, and whatever is already gone is fine.
 */
export async function cleanupStep(context: StepContext): Promise<void> {
  const { settings, job } = context;
  const jobId = job.jobId();
  const ended = await endJobProcesses(jobKey(job, settings));
  if (ended.length > 0)
    context.logger.info(
      `Ended ${ended.length} process${ended.length === 1 ? '' : 'es'} the job left running`,
    );
  const jobDir = join(settings.builds_dir, jobId);
  try {
    await rm(jobDir, { recursive: true, force: true });
  } catch (error) {
    // Tools such as Go's module cache leave read-only directories behind.
    if (
      (error as NodeJS.ErrnoException).code !== 'EACCES' &&
      (error as NodeJS.ErrnoException).code !== 'EPERM'
    )
      throw error;
    await makeWritable(jobDir);
    await rm(jobDir, { recursive: true, force: true });
  }
  if (settings.image_dir) {
    await unmarkInUse(settings.image_dir, context.host, jobId);
    // A pull SIGKILLed with its prepare left a partial image (and maybe, killed alone, its pull running).
    for (const name of await removeDeadPulls(settings.image_dir, context.host))
      context.logger.info(`Removed ${name}, left by a pull that did not finish`);
  }
}
