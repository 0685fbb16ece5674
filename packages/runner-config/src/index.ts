export { generatedConfigPath, statePath, tokensFilePath } from './data-files.js';
export {
  CONFIG_ERROR_CODES,
  ConfigError,
  type ConfigErrorCode,
  type ConfigErrorOptions,
  type ConfigProblem,
  RUNNER_CONFIG_ERROR_CODES,
  RunnerConfigError,
  type RunnerConfigErrorCode,
  type RunnerConfigErrorOptions,
  TOKENS_FILE_ERROR_CODES,
  TokensFileError,
  type TokensFileErrorCode,
} from './errors.js';
export { exampleConfig } from './example.js';
export { findExecutable } from './launch-executable.js';
export { writeExampleConfig } from './write-example.js';
export {
  type GeneratedConfig,
  generateConfig,
  type ResourceRunners,
  renderGeneratedConfig,
  type WarningLogger,
  writeGeneratedConfig,
} from './generated-config.js';
export { highlightToml } from './highlight.js';
export { gitlabBaseUrl, isGitlabHostname } from './hostname.js';
export {
  type InstanceContext,
  type InstantiatedCustom,
  type InstantiatedExecutor,
  type InstantiatedLaunch,
  type InstantiatedRunner,
  instantiateExecutor,
  instantiateLaunch,
  instantiateRunner,
  type LaunchContext,
} from './instantiate.js';
export { type InstantiatedInstance, instantiateAll } from './instantiate-all.js';
export { configJsonSchema } from './json-schema.js';
export { type Env, loadConfig, type ParseConfigOptions, parseConfig, parseTomlText } from './parse.js';
export { redactConfig, redactTokens, redactTomlLine } from './redact.js';
export { configReferenceMarkdown } from './reference.js';
export type { ExecutorSection, ExecutorSectionInput } from './executor-schema.js';
export { configDocs, type Expansion, type KeyDoc } from './key-doc.js';
export type { BatchSystem, LaunchSection } from './launch-schema.js';
export type { MetricsSection } from './metrics-schema.js';
export type { PollSection, WebhookSection } from './poll-schema.js';
export type { RunnerInstance } from './runner-instance-schema.js';
export type { CustomExecutorSection, RunnerSection } from './runner-schema.js';
export { type Config, type ConfigInput, configSchema } from './schema.js';
export { configKeys, type SchemaKey } from './schema-keys.js';
export { type ConfigScope, configScope, describeScope } from './scope.js';
export {
  type RefusedJob,
  type ResourceRunnerEntry,
  type ResourceRunnersFile,
  readResourceRunners,
  resourceRunnerName,
  resourceRunnersPath,
  resourceTags,
  writeResourceRunners,
} from './resource-runners-file.js';
export {
  RESOURCE_KEY,
  type ResourceSpec,
  type Resources,
  resourceValueProblem,
} from './resources-schema.js';
export { MIN_MAXIMUM_TIMEOUT_S, runnerMaximumTimeout } from './maximum-timeout.js';
export { NO_TIME_LIMIT, parseSlurmTime } from './slurm-time.js';
export { readTokens, renderTokens, type RunnerToken, type TokensFile, writeTokens } from './tokens.js';
export { stringifyToml, tomlKey, tomlString, tomlValue } from './toml-write.js';
export { configWarnings, EXAMPLE_TOKEN, instanceWarnings } from './warnings.js';
export { withWrittenDurations } from './written-durations.js';
