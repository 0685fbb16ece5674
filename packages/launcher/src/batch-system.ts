import type { BatchJobRef } from './batch-job-id.js';

/** What the launcher writes into a launch so that it can recognise the batch job later. */
export interface LaunchTag {
  /** The meta-runner's `name`. */
  name: string;
  instance: string;
  numJobs: number;
  /** The launch's id in the state file. */
  launchId: string;
}

/** A batch job the batch system still has, queued or running. */
export interface LiveBatchJob {
  id: string;
  cluster?: string | undefined;
  state: 'queued' | 'running';
  /** The launcher's tag, when the job carries one (Slurm comment). */
  tag?: LaunchTag | undefined;
}

/** The batch jobs a status query found; every launch not among them has ended. */
export interface BatchStatus {
  /** Keyed by {@link batchJobKey}. */
  jobs: Map<string, LiveBatchJob>;
}

/** A batch system the launcher submits to. */
export interface BatchSystem {
  readonly kind: 'slurm' | 'generic';
  /** True when {@link status} can tell which launches are still queued or running. */
  readonly tracks: boolean;
  /** True when {@link cancel} works. */
  readonly cancels: boolean;
  /** Arguments put before the user's `[launch] args` (Slurm: `--job-name`, `--comment`). */
  tagArgs(tag: LaunchTag, userArgs: readonly string[], stdin: string | undefined): string[];
  /** The batch job id printed by a successful launch command. */
  parseJobId(stdout: string): BatchJobRef | undefined;
  /** Which batch jobs are still queued or running. Throws a {@link LauncherError} when it cannot tell. */
  status(clusters: readonly string[]): Promise<BatchStatus>;
  /** Cancels a batch job. */
  cancel(job: BatchJobRef): Promise<void>;
}

/** The key of a batch job in {@link BatchStatus.jobs}: `id`, or `id;cluster`. */
export function batchJobKey(job: BatchJobRef): string {
  return job.cluster ? `${job.id};${job.cluster}` : job.id;
}
