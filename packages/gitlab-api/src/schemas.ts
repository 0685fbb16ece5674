import { z } from 'zod';

// GitLab adds fields over time and sends null for many of them: every object accepts unknown keys, and only
// the fields the client relies on are required.

/** A project as returned by `GET /projects/:id`. */
export const projectSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().nullish(),
  path_with_namespace: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type GitLabProject = z.infer<typeof projectSchema>;

/**
 * A CI job as returned by `GET /projects/:id/jobs` and `GET /projects/:id/jobs/:job_id`: the fields
 * gitlab-meta-runner uses. Other fields are accepted and left out (listing 10,000 jobs keeps only these).
 */
export const jobSchema = z.object({
  id: z.number().int(),
  tag_list: z.array(z.string()),
  name: z.string().nullish(),
  status: z.string().nullish(),
  stage: z.string().nullish(),
  ref: z.string().nullish(),
  created_at: z.string().nullish(),
  started_at: z.string().nullish(),
  queued_duration: z.number().nullish(),
  web_url: z.string().nullish(),
  pipeline: z
    .object({
      id: z.number().int().nullish(),
      project_id: z.number().int().nullish(),
      ref: z.string().nullish(),
      status: z.string().nullish(),
    })
    .nullish(),
});
export type GitLabJob = z.infer<typeof jobSchema>;

export const jobListSchema = z.array(jobSchema);

/** `POST /user/runners` → the new runner's id and authentication token (shown only once). */
export const createdRunnerSchema = z.looseObject({
  id: z.number().int(),
  token: z.string().min(1),
  token_expires_at: z.string().nullish(),
});

/**
 * A runner's details as returned by `PUT /runners/:id` and `GET /runners/:id` (Entities::Ci::RunnerDetails:
 * its type, and for a project runner the projects it serves).
 */
export const runnerSchema = z.looseObject({
  id: z.number().int(),
  runner_type: z.string().nullish(),
  projects: z
    .array(z.looseObject({ id: z.number().int(), path_with_namespace: z.string().nullish() }))
    .nullish(),
  description: z.string().nullish(),
  tag_list: z.array(z.string()).nullish(),
  run_untagged: z.boolean().nullish(),
  locked: z.boolean().nullish(),
  paused: z.boolean().nullish(),
  maximum_timeout: z.number().int().nullish(),
});
export type GitLabRunner = z.infer<typeof runnerSchema>;

/** `POST /runners/:id/reset_authentication_token` → the new token. */
export const resetTokenSchema = z.looseObject({
  token: z.string().min(1),
  token_expires_at: z.string().nullish(),
});

/** `POST /runners/verify` → the runner the token belongs to (GitLab echoes the token, which is dropped). */
export const verifiedRunnerSchema = z.looseObject({
  id: z.number().int().nullish(),
  token_expires_at: z.string().nullish(),
});

const optionalString = (value: unknown) => value === undefined || value === null || typeof value === 'string';
const optionalInt = (value: unknown) => value === undefined || value === null || Number.isSafeInteger(value);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Shares equal values between the jobs of one listing: a project's pending jobs mostly repeat the same tag
 * lists, names, stages and pipelines, and 10,000 jobs held in memory cost less (and less garbage collection)
 * when they share them. Shared tag lists are frozen.
 */
export class JobInterner {
  readonly #strings = new Map<string, string>();
  readonly #tags = new Map<string, string[]>();
  readonly #pipelines = new Map<string, NonNullable<GitLabJob['pipeline']>>();

  string<T extends string | null | undefined>(value: T): T {
    if (typeof value !== 'string' || value.length > 64) return value;
    const known = this.#strings.get(value);
    if (known !== undefined) return known as T;
    this.#strings.set(value, value);
    return value;
  }

  tags(list: string[]): string[] {
    const key = list.length === 1 ? `=${list[0]}` : JSON.stringify(list);
    const known = this.#tags.get(key);
    if (known !== undefined) return known;
    const shared = Object.freeze(list.map((tag) => this.string(tag))) as string[];
    this.#tags.set(key, shared);
    return shared;
  }

  pipeline(
    id: number | null | undefined,
    projectId: number | null | undefined,
    ref: string | null | undefined,
    status: string | null | undefined,
  ): NonNullable<GitLabJob['pipeline']> {
    const key = `${id}|${projectId}|${ref}|${status}`;
    const known = this.#pipelines.get(key);
    if (known !== undefined) return known;
    const pipeline: NonNullable<GitLabJob['pipeline']> = {};
    if (id !== undefined) pipeline.id = id;
    if (projectId !== undefined) pipeline.project_id = projectId;
    if (ref !== undefined) pipeline.ref = this.string(ref);
    if (status !== undefined) pipeline.status = this.string(status);
    this.#pipelines.set(key, pipeline);
    return pipeline;
  }
}

/**
 * The fast path for job pages (read every poll, up to 100 jobs each): the jobs as `jobSchema` would output
 * them, or undefined when the schema might reject the page (then the schema runs to explain why). It never
 * accepts what the schema rejects. Equal values are shared through `interner`.
 */
export function fastJobList(
  data: unknown,
  interner: JobInterner = new JobInterner(),
): GitLabJob[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const jobs: GitLabJob[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const job: unknown = data[i];
    if (!isRecord(job) || !Number.isSafeInteger(job.id) || !Array.isArray(job.tag_list)) return undefined;
    for (const tag of job.tag_list) if (typeof tag !== 'string') return undefined;
    const { name, status, stage, ref, created_at, started_at, web_url, queued_duration, pipeline } = job;
    if (
      !optionalString(name) ||
      !optionalString(status) ||
      !optionalString(stage) ||
      !optionalString(ref) ||
      !optionalString(created_at) ||
      !optionalString(started_at) ||
      !optionalString(web_url)
    ) {
      return undefined;
    }
    if (
      !(
        queued_duration === undefined ||
        queued_duration === null ||
        (typeof queued_duration === 'number' && Number.isFinite(queued_duration))
      )
    ) {
      return undefined;
    }
    let sharedPipeline: GitLabJob['pipeline'] = pipeline as null | undefined;
    if (pipeline !== undefined && pipeline !== null) {
      if (!isRecord(pipeline) || !optionalInt(pipeline.id) || !optionalInt(pipeline.project_id)) {
        return undefined;
      }
      if (!optionalString(pipeline.ref) || !optionalString(pipeline.status)) return undefined;
      sharedPipeline = interner.pipeline(
        pipeline.id as number | null | undefined,
        pipeline.project_id as number | null | undefined,
        pipeline.ref as string | null | undefined,
        pipeline.status as string | null | undefined,
      );
    }
    const compact: GitLabJob = { id: job.id as number, tag_list: interner.tags(job.tag_list as string[]) };
    // Absent keys stay absent, as in the schema's output.
    if (name !== undefined) compact.name = interner.string(name as string | null);
    if (status !== undefined) compact.status = interner.string(status as string | null);
    if (stage !== undefined) compact.stage = interner.string(stage as string | null);
    if (ref !== undefined) compact.ref = interner.string(ref as string | null);
    if (created_at !== undefined) compact.created_at = created_at as string | null;
    if (started_at !== undefined) compact.started_at = started_at as string | null;
    if (queued_duration !== undefined) compact.queued_duration = queued_duration as number | null;
    if (web_url !== undefined) compact.web_url = web_url as string | null;
    if (sharedPipeline !== undefined) compact.pipeline = sharedPipeline;
    jobs[i] = compact;
  }
  return jobs;
}
