// The executor's entry for programs that run its steps (such as `gitlab-meta-runner executor`). It loads
// only what the config step needs, without @mr/template; the other steps load their modules on demand.
// Reading settings from TOML-like tables is in `@mr/apptainer-executor/settings`.
export type { ChildResult, ExecutorIo } from './child-process.js';
export { type ConfigOutput, driverName } from './config-step.js';
export { type ContainerTool, resolveContainerTool } from './container-tool.js';
export { EXECUTOR_ERROR_CODES, ExecutorError, type ExecutorErrorCode, type FailureKind } from './errors.js';
export { type ExecutorOptions, reportError, runExecutorStep } from './executor.js';
export { type Env, JobEnvironment, type JobResponse } from './job-environment.js';
export { processIo } from './process-io.js';
export type { LockTiming } from '@mr/node-kit/lock';
export type { ExecutorSettings, PredefinedStages, PullPolicy } from './setting-keys.js';
export { type ExecutorStep, parseStep, STEP_NAMES } from './step.js';
export { executorVersion } from './version.js';
