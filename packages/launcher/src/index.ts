export { inBackoff, MAX_BACKOFF_MS, nextBackoff } from './backoff.js';
export { type BatchJobRef, parseBatchJobId } from './batch-job-id.js';
export {
  type BatchStatus,
  type BatchSystem,
  batchJobKey,
  type LaunchTag,
  type LiveBatchJob,
} from './batch-system.js';
export {
  LaunchCommandError,
  LauncherError,
  type LauncherErrorOptions,
  LaunchLockedError,
  LaunchStateError,
} from './errors.js';
export { type GenericBatchOptions, genericBatchSystem, parseStatusOutput } from './generic-batch.js';
export {
  type CycleResult,
  type LaunchFailure,
  Launcher,
  type LauncherOptions,
  type LauncherSettings,
  type LaunchSettings,
} from './launcher.js';
export { LauncherLock, type LockHolder, type LockOptions, staleReason } from './lock.js';
export {
  canTake,
  compareForMatching,
  JobMatcher,
  type MatchableInstance,
  type MatchableJob,
  type MatchResult,
  matchJobs,
} from './match.js';
export {
  compareForLaunch,
  coveredJobs,
  type InFlightLaunch,
  type InstancePlan,
  type Plan,
  type PlanInput,
  type PlanInstance,
  type PlanLimit,
  type PlannedLaunch,
  planLaunches,
  staleLaunches,
} from './plan.js';
export { launchEnvironment, redact } from './redact.js';
export { type ProcessResult, type RunProcessOptions, runProcess } from './run-process.js';
export {
  parseSlurmComment,
  parseSqueue,
  type SlurmOptions,
  slurmBatchSystem,
  slurmComment,
  slurmJobName,
  slurmJobState,
  userSetsJobName,
} from './slurm.js';
export {
  type BackoffRecord,
  emptyState,
  type FailureRecord,
  RECENT_FAILURES_KEPT,
  type LaunchRecord,
  type LaunchState,
  loadState,
  parseState,
  saveState,
  serializeState,
} from './state.js';
export { type OpenLauncherOptions, openLauncher, planInstances } from './from-config.js';
