export { type ConfigureOptions, configure } from './configure.js';
export type { ConfigureResult } from './configure-result.js';
export { formatConfigureSummary } from './configure-summary.js';
export {
  REGISTRATION_ERROR_CODES,
  RegistrationError,
  type RegistrationErrorCode,
  type RegistrationErrorOptions,
} from './errors.js';
export {
  type ConfigureFailure,
  type RotateExpiringTokensOptions,
  type RotateOptions,
  type RotateResult,
  rotateExpiringTokens,
} from './rotate.js';
export { type OrphanRunner, registrationIdPath } from './orphans.js';
export { tokensLockPath, withTokensLock } from './token-lock.js';
export { ResourceRunnerRegistry, type ResourceRunnerRegistryOptions } from './resource-runners.js';
export type { ResourceSet, ResourceSyncInput, ResourceSyncResult } from './resource-runner-usage.js';
