import { ExecutorError } from './errors.js';
import type { ImageReference } from './image-reference.js';
import { PULL_POLICIES, type PullPolicy } from './setting-keys.js';

/** A glob pattern as a regular expression: `**` matches anything, `*` and `?` stop at `/`. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether an image matches one of the `allowed_images` patterns (like the docker executor's). The name is
 * tried as written, without `docker://`, and in its full normalized form, so `alpine:*` and
 * `docker.io/library/*` both allow `alpine:3.20`.
 */
export function isImageAllowed(image: ImageReference, patterns: readonly string[]): boolean {
  const names = new Set([
    image.written,
    image.written.replace(/^docker:\/\//, ''),
    image.canonical,
    image.source,
  ]);
  return patterns.some((pattern) => {
    const re = globToRegExp(pattern);
    for (const name of names) if (re.test(name)) return true;
    return false;
  });
}

/** Checks an image against `allowed_images`; throws a build failure when it is not allowed. */
export function checkImageAllowed(image: ImageReference, patterns: readonly string[] | undefined): void {
  if (!patterns || isImageAllowed(image, patterns)) return;
  throw new ExecutorError(
    'MR_EXECUTOR_IMAGE_NOT_ALLOWED',
    `image ${JSON.stringify(image.written)} is not allowed by this runner`,
    {
      failure: 'build',
      details: [`allowed_images: ${patterns.map((p) => JSON.stringify(p)).join(', ') || '(none)'}`],
      hint: 'Use an image that matches one of the allowed_images patterns, or ask the runner owner to allow it.',
    },
  );
}

/** Reads a job's `image.pull_policy` (a string or a list); unknown names are an error. */
export function jobPullPolicies(value: unknown): PullPolicy[] {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  for (const p of list) {
    if (typeof p !== 'string' || !(PULL_POLICIES as readonly string[]).includes(p)) {
      throw new ExecutorError(
        'MR_EXECUTOR_PULL_POLICY_NOT_ALLOWED',
        `the job's image pull_policy ${JSON.stringify(p)} is unknown`,
        {
          failure: 'build',
          hint: `Pull policies are ${PULL_POLICIES.join(', ')}.`,
        },
      );
    }
  }
  return list as PullPolicy[];
}

/**
 * The pull policies to try, in order: the job's own list (else the runner's `pull_policy`), keeping only
 * those in `allowed_pull_policies`. Fails as a build failure when none is left.
 */
export function choosePullPolicies(
  jobPolicies: readonly PullPolicy[],
  runnerPolicy: PullPolicy,
  allowed: readonly PullPolicy[] | undefined,
): PullPolicy[] {
  const wanted = jobPolicies.length > 0 ? [...new Set(jobPolicies)] : [runnerPolicy];
  const chosen = allowed ? wanted.filter((p) => allowed.includes(p)) : wanted;
  if (chosen.length === 0) {
    const from = jobPolicies.length > 0 ? "the job's image pull_policy" : "the runner's pull_policy";
    throw new ExecutorError(
      'MR_EXECUTOR_PULL_POLICY_NOT_ALLOWED',
      `${from} (${wanted.join(', ')}) is not one of the allowed pull policies (${allowed?.join(', ')})`,
      {
        failure: 'build',
        hint: "Change the pull_policy of the job's image or the runner's allowed_pull_policies.",
      },
    );
  }
  return chosen;
}
