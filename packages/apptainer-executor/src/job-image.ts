import { ExecutorError } from './errors.js';
import { checkImageAllowed, choosePullPolicies, jobPullPolicies } from './image-policy.js';
import { type ImageLogin, splitImageLogin } from './image-login.js';
import { type ImageReference, parseImageReference } from './image-reference.js';
import type { JobEnvironment } from './job-environment.js';
import { expandKeepingUndefined } from './lenient-expand.js';
import type { ExecutorSettings, PullPolicy } from './setting-keys.js';

export interface JobImage {
  image: ImageReference;
  /** A login written into the image name, taken out of it (it reaches apptainer through its environment). */
  login?: ImageLogin | undefined;
  policies: PullPolicy[];
  /** Where the name came from, for the job log. */
  from: 'job' | 'default_image';
}

/**
 * The job's image: `image.name` of the job response (the trustworthy source), else
 * `CUSTOM_ENV_CI_JOB_IMAGE`, else `default_image`; job variables in it are expanded and a login in it
 * is taken out ({@link splitImageLogin}). Checks
 * `allowed_images` (for the job's own image) and chooses the pull policies.
 */
export function resolveJobImage(job: JobEnvironment, settings: ExecutorSettings): JobImage {
  const response = job.jobResponse();
  let name = response?.image?.name || job.env.CUSTOM_ENV_CI_JOB_IMAGE || undefined;
  const from = name ? 'job' : 'default_image';
  name ??= settings.default_image;
  if (!name) {
    throw new ExecutorError(
      'MR_EXECUTOR_NO_IMAGE',
      'the job has no image and this runner has no default_image',
      {
        failure: 'build',
        hint: 'Add "image: <name>" to the job in .gitlab-ci.yml, or set default_image in the executor settings.',
      },
    );
  }
  const { name: clean, login } = splitImageLogin(expandKeepingUndefined(name, (n) => job.variable(n)));
  const image = parseImageReference(clean);
  if (from === 'job') checkImageAllowed(image, settings.allowed_images);
  const policies = choosePullPolicies(
    jobPullPolicies(response?.image?.pull_policy),
    settings.pull_policy,
    settings.allowed_pull_policies,
  );
  return { image, login, policies, from };
}
