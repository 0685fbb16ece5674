export {
  type Endpoint,
  type EndpointOrUnknown,
  endpoints,
  type FaultHandle,
  type FaultRule,
} from './faults.js';
export { type JobStatus, runnerCanTake, type SimJob, type SimProject, type SimRunner } from './model.js';
export {
  GitLabSimulator,
  type JobSpec,
  type PaginationOptions,
  type RequestRecord,
  type RunnerSpec,
  type SimulatorOptions,
  startSimulator,
  type WaitForOptions,
} from './simulator.js';
export { runnerStandinMain, type StandinIo } from './runner-standin.js';
export { runnerStandinBin, runnerStandinCommand, writeRunnerStandin } from './standin-wrapper.js';
