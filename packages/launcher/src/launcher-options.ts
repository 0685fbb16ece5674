import type { Logger } from '@mr/logger';
import type { LauncherObserver } from './observer.js';
import type { MatchableJob } from './match.js';
import type { PlanInstance } from './plan.js';
import type { ResourceRunnerSync } from './resource-cycle.js';
import type { ResourceInstance, ResourceSet } from './resources.js';
import type { RunnerTokenSource } from './token-check.js';

/** The `[launch]` settings of one instance for one launch, after variable expansion. */
export interface LaunchSettings {
  executable: string;
  args: readonly string[];
  workdir?: string | undefined;
  stdin?: string | undefined;
  /** `[launch] status_command` (generic batch systems). */
  statusCommand?: readonly string[] | undefined;
  /** The batch system, `auto` already resolved; default from {@link LauncherSettings.batchSystem}. */
  batchSystem?: 'slurm' | 'generic' | undefined;
}

/** The settings of a launcher that do not depend on the instance. */
export interface LauncherSettings {
  /** The meta-runner's `name` (in Slurm job names and comments). */
  name: string;
  instances: ReadonlyArray<PlanInstance & Pick<ResourceInstance, 'resources'>>;
  batchSystem: 'auto' | 'slurm' | 'generic';
  /** `[launch] timeout` in ms; undefined: no limit. */
  timeoutMs?: number | undefined;
  cancelStale: boolean;
  pickupTimeoutMs: number;
  maxInFlight?: number | undefined;
  concurrency: number;
  /** `[launch] max_launches_per_cycle`; default 50 (`DEFAULT_MAX_LAUNCHES_PER_CYCLE`). */
  maxLaunchesPerCycle?: number | undefined;
  failureBackoffMs: number;
  /** `[poll] keep_alive` (ms): how often the runner of an instance whose jobs wait behind queued launches contacts GitLab. */
  keepAliveMs?: number | undefined;
}

export interface LauncherOptions {
  settings: LauncherSettings;
  /** `[launch]` of an instance for `numJobs` jobs; throws when its templates do not expand. */
  launchSettings(instance: string, numJobs: number): LaunchSettings;
  /** The project's pending jobs, every page. */
  listPendingJobs(signal: AbortSignal): Promise<readonly MatchableJob[]>;
  /** `<data-dir>/<name>.state`. */
  stateFile: string;
  /** The lock file; default `<stateFile>.lock`. */
  lockFile?: string | undefined;
  /** Environment of launch, status and cancel commands (variables holding a secret are removed). */
  env: Record<string, string | undefined>;
  /** Tokens: never passed to a launch, redacted from everything logged. */
  secrets?: readonly string[] | undefined;
  /** Checks each instance's runner token with GitLab; an instance whose token is refused launches nothing. */
  runnerTokens?: RunnerTokenSource | undefined;
  logger?: Logger | undefined;
  /** User whose Slurm jobs are listed; default the current user. */
  user?: string | undefined;
  /** How long a stopping launcher waits for launch commands still running (ms). Default 120 s. */
  stopGraceMs?: number | undefined;
  /** Between SIGTERM and SIGKILL of a launch command that timed out (ms). Default 5 s. */
  killGraceMs?: number | undefined;
  /** How long a launch found `starting` after a restart, its command gone, waits for its batch job (ms). */
  startGraceMs?: number | undefined;
  /** Lock refresh and staleness (ms); defaults 10 s and 60 s. */
  lockRefreshMs?: number | undefined;
  lockStaleMs?: number | undefined;
  /** The command line that holds the lock, shown to a second launcher. */
  command?: string | undefined;
  /**
   * Opens without the lock, to look only (a dry run beside a running `run`): the state is read as its last
   * save left it (saves are atomic), nothing is saved, and only dry-run cycles are allowed.
   */
  readOnly?: boolean | undefined;
  now?: (() => Date) | undefined;
  /** Told what each cycle saw and did (metrics); its errors are ignored. */
  observer?: LauncherObserver | undefined;
  /** Registers, keeps and deletes the runners of resource sets; without it, jobs asking for resources wait. */
  resourceRunners?: ResourceRunnerSync | undefined;
  /** Resource runner name → its set: filled by the launcher as sets are seen, read by `launchSettings`. */
  resourceSets?: Map<string, ResourceSet> | undefined;
}
