/** One launch, recorded before its command starts and updated when it ends. */
export interface LaunchRecord {
  /** Unique id of the launch; also in the Slurm job's comment, so the job can be found after a restart. */
  id: string;
  instance: string;
  /** `NUM_JOBS`: how many jobs the launched runner takes at most. */
  numJobs: number;
  /** The pending jobs (GitLab job ids) the launch was planned for. */
  jobIds: number[];
  /** The paths of those jobs' projects, each once (absent in state files of older versions). */
  projects?: string[] | undefined;
  /** When the launch command started (ISO 8601). */
  launchedAt: string;
  /** `starting` while the launch command runs (or when the launcher stopped during it), then `submitted`. */
  phase: 'starting' | 'submitted';
  /** Batch job id from the launch command's output, when it printed one. */
  batchJobId?: string | undefined;
  /** Slurm cluster from `sbatch --parsable` output (`jobid;cluster`), when there is one. */
  cluster?: string | undefined;
  /** What the batch system last said: `queued` or `running`; absent when unknown. */
  batchState?: 'queued' | 'running' | undefined;
  /** The launch command's process, recorded as soon as it started (a restarted launcher looks for it). */
  command?: LaunchCommandProcess | undefined;
  /**
   * A `starting` launch after a restart: when the launcher first found neither its command running nor its
   * batch job (ISO 8601). It is forgotten once that has lasted the start grace.
   */
  goneSince?: string | undefined;
}

/** Where a launch command runs: enough to tell, after a restart, whether it still does. */
export interface LaunchCommandProcess {
  host: string;
  /** Its process id, which is also its process group (launch commands lead their own group). */
  pid: number;
  /** `/proc/<pid>/stat` start time, which tells a reused pid from the command. */
  startTime?: string | undefined;
}

/** Failure backoff of one instance. */
export interface BackoffRecord {
  /** Failed launches in a row. */
  failures: number;
  /** No launch for the instance before this time (ISO 8601). */
  until: string;
}

/** A failed launch, kept for `gitlab-meta-runner status` (the most recent {@link RECENT_FAILURES_KEPT}). */
export interface FailureRecord {
  /** When the launch failed (ISO 8601). */
  at: string;
  instance: string;
  /** What went wrong, secrets redacted (the first line of the error). */
  message: string;
}

/** A runner token GitLab refuses (`POST /runners/verify` answered 403): the instance launches nothing. */
export interface RefusedTokenRecord {
  /** When the launcher first found the token refused (ISO 8601). */
  since: string;
  /** When it last asked (ISO 8601). */
  checkedAt: string;
}

/** A matched job near the time GitLab drops it (see queue-wait.ts), for the log and `status`. */
export interface QueueWaitRecord {
  job: number;
  instance: string;
  /** The path of the job's project, when known. */
  project?: string | undefined;
  /** The batch job it waits on (`id` or `id;cluster`), when there is a launch for its instance. */
  batchJob?: string | undefined;
  batchState?: 'queued' | 'running' | undefined;
  /** GitLab's `created_at` of the job (ISO 8601). */
  pendingSince: string;
  /** The limit it nears: 1 h (no online runner) or 24 h (any job). */
  limit: '1h' | '24h';
  /** When GitLab drops it at that limit (ISO 8601). */
  dropAt: string;
}

/** How long a launched job had been pending when its runner was launched (the pickup time, for `status`). */
export interface PickupRecord {
  /** When the launch command submitted (ISO 8601). */
  at: string;
  instance: string;
  job: number;
  /** From the job becoming pending (GitLab's `queued_duration`, else `created_at`) to the launch. */
  seconds: number;
}

/** The pending jobs as the last cycle that read them saw them (for `status`). */
export interface CycleSummary {
  /** When it read them (ISO 8601). */
  at: string;
  pending: number;
  /** Instance → pending jobs matched to it. */
  matched: Record<string, number>;
  unmatched: number;
}

/** How many pickup times the state keeps (the most recent). */
export const RECENT_PICKUPS_KEPT = 50;

/** The pending jobs of one project in the last cycle, for `status` (only projects that had some). */
export interface ProjectPendingRecord {
  project: string;
  pending: number;
  /** Of those, matched to an instance. */
  matched: number;
  unmatched: number;
  /** Of the matched ones, those a launch in flight was planned for. */
  launched: number;
}

/** How many failed launches the state keeps. */
export const RECENT_FAILURES_KEPT = 20;

/** Everything a launcher remembers between cycles and across restarts: `<data-dir>/<name>.state`. */
export interface LaunchState {
  version: 1;
  /** Launches still counted as in flight. */
  launches: LaunchRecord[];
  /** Instance name → backoff after failed launches. */
  backoff: Record<string, BackoffRecord>;
  /** Pending jobs no instance can take that were already reported (so each is reported once). */
  reportedUnmatched: number[];
  /** The most recent failed launches, oldest first. */
  recentFailures: FailureRecord[];
  /** Instance name → its runner token is refused by GitLab. */
  refusedTokens: Record<string, RefusedTokenRecord>;
  /** Matched jobs near the time GitLab drops them, as of the last cycle. */
  queueWaits?: QueueWaitRecord[] | undefined;
  /** Pickup times of the most recent launched jobs, oldest first ({@link RECENT_PICKUPS_KEPT}). */
  recentPickups?: PickupRecord[] | undefined;
  /** The last cycle that read the pending jobs. */
  lastCycle?: CycleSummary | undefined;
  /** The pending jobs per project in the last cycle (configs with `projects` or `group`). */
  projects?: ProjectPendingRecord[] | undefined;
  /** When the state was last saved (ISO 8601). */
  savedAt?: string | undefined;
}

export function emptyState(): LaunchState {
  return {
    version: 1,
    launches: [],
    backoff: {},
    reportedUnmatched: [],
    recentFailures: [],
    refusedTokens: {},
  };
}
