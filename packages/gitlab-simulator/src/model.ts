import { randomBytes } from 'node:crypto';

export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export interface SimProject {
  id: number;
  /** `group/project`. */
  path: string;
}

/** A CI job held by the simulator. */
export interface SimJob {
  id: number;
  projectId: number;
  pipelineId: number;
  name: string;
  stage: string;
  tags: string[];
  status: JobStatus;
  image: string | null;
  script: string[];
  variables: Record<string, string>;
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
  projectId: number;
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

/** Whether a runner may take a job: its tags include all of the job's; untagged jobs need `run_untagged`. */
export function runnerCanTake(runner: SimRunner, job: SimJob): boolean {
  if (runner.paused || runner.projectId !== job.projectId) return false;
  if (job.tags.length === 0) return runner.runUntagged;
  return job.tags.every((tag) => runner.tags.includes(tag));
}
