export type { CycleResult, LaunchFailure } from './cycle-result.js';
export type { DryRunLaunch } from './dry-run.js';
export {
  LAUNCHER_ERROR_CODES,
  LaunchCommandError,
  LauncherError,
  type LauncherErrorCode,
  type LauncherErrorOptions,
  LaunchLockedError,
  LaunchStateError,
} from './errors.js';
export { liveLaunchesFromConfig, type OpenLauncherOptions, openLauncher } from './from-config.js';
export { Launcher } from './launcher.js';
export type { ResourceRunnerSync } from './resource-cycle.js';
export {
  type RefusedJob,
  type ResourceInstance,
  type ResourceSet,
  matchWithResources,
  resourceFit,
} from './resources.js';
export type { LiveLaunches, LiveLaunchState } from './live-launches.js';
export type { LauncherOptions, LauncherSettings, LaunchSettings } from './launcher-options.js';
export {
  startWebhookListener,
  type WebhookListener,
  type WebhookListenerOptions,
} from './webhook-listener.js';
export type { QueueWaitRecord } from './state.js';
export type {
  CycleSummary,
  FailureRecord,
  LaunchRecord,
  LaunchState,
  PickupRecord,
  ProjectPendingRecord,
} from './state.js';
export { loadState } from './state-file.js';
export { EXPOSITION_CONTENT_TYPE, Registry } from './metrics/exposition.js';
export { LauncherMetrics, PENDING_TO_LAUNCH_BUCKETS } from './metrics/launcher-metrics.js';
export { type MetricsServer, serveMetrics, writeMetricsTextfile } from './metrics/metrics-output.js';
export type { LauncherObserver, LaunchOutcome } from './observer.js';
export { TOKEN_CHECK_INTERVAL_MS } from './token-check.js';
