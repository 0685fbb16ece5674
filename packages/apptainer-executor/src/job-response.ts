import { ExecutorError } from './errors.js';

/** The parts of gitlab-runner's job response (`JOB_RESPONSE_FILE`) the executor reads. */
export interface JobResponse {
  id?: number;
  image: { name?: string; pull_policy?: string[] | string | null } | null;
  credentials?: Array<{ type?: string; url?: string; username?: string; password?: string }> | null;
  variables: Array<{ key: string; value: string }> | null;
}

/** What a JSON value is, in words for a message (never the value itself: the file holds tokens). */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks the shape of a parsed job response and lists every problem by field path. gitlab-runner writes
 * `image` and `variables` always (no `omitempty` on those fields of JobResponse in common/network.go;
 * `variables` is `null` for a job without any), so a file without them did not come from gitlab-runner.
 * A `null` image (GitLab's own job payload for a job without one) is accepted.
 */
export function jobResponseProblems(value: unknown): string[] {
  if (!isObject(value)) return [`the file holds ${kind(value)}, expected a JSON object`];
  const problems: string[] = [];
  const expect = (path: string, found: unknown, wanted: string) =>
    problems.push(`${path} is ${kind(found)}, expected ${wanted}`);
  const optionalString = (path: string, v: unknown) => {
    if (v !== undefined && v !== null && typeof v !== 'string') expect(path, v, 'a string');
  };
  if (value.id !== undefined && !Number.isSafeInteger(value.id)) expect('id', value.id, 'an integer');
  if (!('image' in value)) problems.push('image is missing');
  else if (value.image !== null && !isObject(value.image)) expect('image', value.image, 'an object');
  else if (value.image) {
    optionalString('image.name', value.image.name);
    const policy = value.image.pull_policy;
    if (Array.isArray(policy)) {
      for (const [i, p] of (policy as unknown[]).entries())
        if (typeof p !== 'string') expect(`image.pull_policy[${i}]`, p, 'a string');
    } else optionalString('image.pull_policy', policy);
  }
  if (!('variables' in value)) problems.push('variables is missing');
  else if (value.variables !== null && !Array.isArray(value.variables))
    expect('variables', value.variables, 'an array');
  else {
    for (const [i, v] of ((value.variables ?? []) as unknown[]).entries()) {
      if (!isObject(v)) expect(`variables[${i}]`, v, 'an object');
      else {
        if (typeof v.key !== 'string') expect(`variables[${i}].key`, v.key, 'a string');
        if (typeof v.value !== 'string') expect(`variables[${i}].value`, v.value, 'a string');
      }
    }
  }
  const credentials = value.credentials;
  if (credentials !== undefined && credentials !== null && !Array.isArray(credentials))
    expect('credentials', credentials, 'an array');
  else {
    for (const [i, c] of ((credentials ?? []) as unknown[]).entries()) {
      if (!isObject(c)) expect(`credentials[${i}]`, c, 'an object');
      else
        for (const key of ['type', 'url', 'username', 'password'])
          optionalString(`credentials[${i}].${key}`, c[key]);
    }
  }
  return problems;
}

/**
 * Parses the text of `JOB_RESPONSE_FILE`. Throws `MR_EXECUTOR_JOB_RESPONSE` (a system failure) naming every
 * bad field; the message never quotes the file's content, which holds the job's token and variables.
 */
export function parseJobResponse(text: string, file: string): JobResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw responseError(file, ['it is not valid JSON']);
  }
  const problems = jobResponseProblems(parsed);
  if (problems.length > 0) throw responseError(file, problems);
  return parsed as JobResponse;
}

export function responseError(file: string, details: string[], cause?: unknown): ExecutorError {
  return new ExecutorError(
    'MR_EXECUTOR_JOB_RESPONSE',
    `cannot use the job description JOB_RESPONSE_FILE ${file}: ${details.length === 1 ? details[0] : `${details.length} problems`}`,
    {
      ...(details.length > 1 ? { details } : {}),
      cause,
      hint: 'gitlab-runner writes this file for every job; a broken one means a gitlab-runner bug or something else wrote it. Retry the job; report it if it persists.',
    },
  );
}
