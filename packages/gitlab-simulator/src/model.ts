import { randomBytes } from 'node:crypto';

/** A job's status; `canceling` is a running job whose cancel the runner has not finished yet. */
export type JobStatus = 'pending' | 'running' | 'canceling' | 'success' | 'failed' | 'canceled';

/** A `cache:` entry of a job. */
export interface SimCache {
  /** Default `<job name>/<ref>`, as gitlab-runner makes it. */
  key?: string;
  paths: string[];
  /** pull-push (default), pull or push. */
  policy?: 'pull-push' | 'pull' | 'push';
  /** on_success (default), on_failure or always. */
  when?: 'on_success' | 'on_failure' | 'always';
}

/** An `artifacts:` entry of a job. */
export interface SimArtifacts {
  paths: string[];
  name?: string;
  when?: 'on_success' | 'on_failure' | 'always';
}

/** An archive a runner uploaded for a job. */
export interface StoredArtifact {
  fileName: string;
  /** `artifact_format` of the upload (zip, gzip, raw). */
  format: string;
  type: string;
  data: Buffer;
}

export interface SimProject {
  id: number;
  /** `group/project`. */
  path: string;
  /**
   * Settings → CI/CD → Runners → "Enable group runners for this project" (default on). Off, the group's
   * runners get none of the project's jobs (Ci::Queue::BuildQueueService#builds_for_group_runner takes the
   * group's projects `.with_group_runners_enabled`, app/services/ci/queue/build_queue_service.rb).
   */
  groupRunnersEnabled?: boolean;
}

/**
 * The role of the access token's user in a group or project (doc/user/permissions.md): `none` makes it
 * invisible (404). Owners of a group may create group runners; maintainers of a project project runners.
 */
export type SimRole = 'owner' | 'maintainer' | 'developer' | 'reporter' | 'guest' | 'none';

/** GitLab's access levels (lib/gitlab/access.rb): what `permissions` and group members say. */
export const ACCESS_LEVELS: Record<SimRole, number> = {
  none: 0,
  guest: 10,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
};

/** A group or subgroup; it holds the projects whose path is `<group path>/<name>`. */
export interface SimGroup {
  id: number;
  /** Full path: `my-group` or `my-group/subgroup`. */
  path: string;
  /** The access token user's role here (default owner). */
  role: SimRole;
}

/** A CI job held by the simulator. */
export interface SimJob {
  id: number;
  projectId: number;
  pipelineId: number;
  /** The pipeline's `source`: `push` (default) or `parent_pipeline` for a child pipeline. */
  pipelineSource: string;
  name: string;
  stage: string;
  tags: string[];
  status: JobStatus;
  image: string | null;
  script: string[];
  afterScript: string[];
  variables: Record<string, string>;
  cache: SimCache[];
  artifacts: SimArtifacts[];
  /** `allow_failure: exit_codes`: a failure with one of these codes is allowed. */
  allowFailureExitCodes: number[];
  /** The exit code the runner reported for a failed job. */
  exitCode: number | null;
  /** Failed with an allowed exit code (GitLab shows it as a warning; the pipeline passes). */
  allowedToFail: boolean;
  /** Archives the runner uploaded. */
  uploadedArtifacts: StoredArtifact[];
  ref: string;
  sha: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The runner that took it. */
  runnerId: number | null;
  /** The job token handed to that runner (`CI_JOB_TOKEN`). */
  token: string | null;
  /** What the runner sent with `PATCH /jobs/:id/trace`. */
  trace: string;
  failureReason: string | null;
}

/** A runner registered in the simulator. */
export interface SimRunner {
  id: number;
  /** `project_type` (of projects) or `group_type` (of a group, for all its projects and subgroups'). */
  runnerType: 'project_type' | 'group_type';
  /** A project runner's owner project (where it was created); 0 for a group runner. */
  projectId: number;
  /** The other projects a project runner is enabled in (`POST /projects/:id/runners`). */
  enabledProjectIds: number[];
  /** A group runner's group; null for a project runner. */
  groupId: number | null;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  accessLevel: 'not_protected' | 'ref_protected';
  maximumTimeout: number | null;
  /** The runner authentication token (`glrt-...`). */
  token: string;
  tokenObtainedAt: Date;
  tokenExpiresAt: Date | null;
  createdAt: Date;
  contactedAt: Date | null;
  /** `system_id` of the runner manager that last asked for a job. */
  systemId: string | null;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random token with a GitLab prefix, e.g. `glrt-` + 20 characters. */
export function randomToken(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += alphabet[byte % alphabet.length];
  return `${prefix}${text}`;
}

export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

/**
 * Whether a runner may take a job: the job's project is one the runner covers (`covered`, see the store's
 * `runnerProjects`), its tags include all of the job's; untagged jobs need `run_untagged`.
 */
export function runnerCanTake(runner: SimRunner, job: SimJob, covered: ReadonlySet<number>): boolean {
  if (runner.paused || !covered.has(job.projectId)) return false;
  if (job.tags.length === 0) return runner.runUntagged;
  return job.tags.every((tag) => runner.tags.includes(tag));
}
