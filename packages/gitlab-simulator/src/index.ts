export {
  type Endpoint,
  type EndpointOrUnknown,
  endpoints,
  type FaultHandle,
  type FaultRule,
} from './faults.js';
export {
  type JobStatus,
  runnerCanTake,
  type SimGroup,
  type SimJob,
  type SimProject,
  type SimRole,
  type SimRunner,
} from './model.js';
export type {
  GroupSpec,
  JobSpec,
  ProjectSpec,
  PaginationOptions,
  RunnerSpec,
  SimulatorOptions,
  WaitForOptions,
} from './options.js';
export type { SimAccessToken } from './access-token.js';
export type { RequestRecord } from './request-log.js';
export type { RateLimitOptions } from './rate-limit-window.js';
export type { StuckJobLimits } from './stuck-jobs.js';
export type { WebhookStatus } from './job-hooks.js';
export type { SimWebhook, WebhookDelivery } from './webhooks.js';
export { GitLabSimulator, startSimulator } from './simulator.js';
export { runnerStandinMain, type StandinIo } from './runner-standin.js';
export { runnerStandinBin, runnerStandinCommand, writeRunnerStandin } from './standin-wrapper.js';
export {
  type CallOptions,
  type CustomExecutorCommands,
  callExecutor,
  type ExecutorCall,
  processesInGroup,
} from './executor-call.js';
export {
  type ExecutorJob,
  type ExecutorJobOptions,
  ExecutorJobSession,
} from './custom-executor-job.js';
export {
  type ExecutorJobResult,
  type JobStatusForScripts,
  PREPARE_STAGES,
  type RunExecutorJobOptions,
  runExecutorJob,
  type StageScript,
} from './run-executor-job.js';
export {
  installStandInApptainer,
  STAND_IN_VERSIONS,
  type StandInApptainer,
  type StandInApptainerOptions,
  type StandInCall,
  standInApptainerScript,
  writeStandInImage,
} from './apptainer-standin.js';
export {
  buildBusyboxRootfs,
  buildImageRegistry,
  bwrapAvailable,
  findStaticBusybox,
  isolationUnavailable,
  registryImageDir,
} from './image-registry.js';
export { collectEntries, extractZip, readZip, type ZipEntry, zipArchive } from './zip-archive.js';
