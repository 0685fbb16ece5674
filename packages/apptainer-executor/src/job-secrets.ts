import { imageLoginSecrets } from './image-login.js';
import type { JobEnvironment } from './job-environment.js';
import { expandKeepingUndefined } from './lenient-expand.js';
import type { ExecutorSettings } from './setting-keys.js';

/**
 * The secrets of a job that must never reach the job log: registry passwords, the job token and a login
 * written into the image name. Never throws: a job description that cannot be read is reported by the
 * step that needs it.
 */
export function jobSecrets(job: JobEnvironment, settings: Pick<ExecutorSettings, 'default_image'>): string[] {
  const secrets: Array<string | undefined> = [
    job.env.CUSTOM_ENV_CI_REGISTRY_PASSWORD,
    job.env.CUSTOM_ENV_CI_JOB_TOKEN,
  ];
  try {
    secrets.push(job.variable('CI_REGISTRY_PASSWORD'), job.variable('CI_JOB_TOKEN'));
    const response = job.jobResponse();
    for (const c of response?.credentials ?? []) secrets.push(c?.password);
    const name = response?.image?.name || job.env.CUSTOM_ENV_CI_JOB_IMAGE || settings.default_image;
    secrets.push(...imageLoginSecrets(name));
    if (name) secrets.push(...imageLoginSecrets(expandKeepingUndefined(name, (n) => job.variable(n))));
  } catch {
    // Reported by the step.
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
}
