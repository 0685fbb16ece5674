import { join } from 'node:path';
import type { StepContext } from './step-context.js';
import { executorVersion } from './version.js';

/** The JSON the config step prints: gitlab-runner's overrides for this job. */
export interface ConfigOutput {
  builds_dir: string;
  cache_dir?: string;
  builds_dir_is_shared: boolean;
  hostname: string;
  driver: { name: string; version: string };
}

/** The driver name shown in the job log: the expanded `description`, else the executor's name. */
export function driverName(description: string): string {
  return description.trim() || 'mr-apptainer-executor';
}

/** config: prints `builds_dir` (`<builds_dir>/<CI_JOB_ID>`), `cache_dir`, hostname and driver as JSON. */
export function configStep(context: StepContext): void {
  const { settings } = context;
  const output: ConfigOutput = {
    builds_dir: join(settings.builds_dir, context.job.jobId()),
    ...(settings.cache_dir ? { cache_dir: settings.cache_dir } : {}),
    builds_dir_is_shared: false,
    hostname: context.host,
    driver: { name: driverName(settings.description ?? ''), version: executorVersion() },
  };
  context.io.stdout.write(`${JSON.stringify(output)}\n`);
}
