export {
  type ConfigureOptions,
  type ConfigureResult,
  configure,
  formatConfigureSummary,
  runnerDescription,
} from './configure.js';
export {
  type ConfigureFailure,
  type RotateExpiringTokensOptions,
  type RotateOptions,
  type RotateResult,
  rotateExpiringTokens,
} from './rotate.js';
export { ensureSystemId, newSystemId, systemIdPath } from './system-id.js';
export { TokenStore } from './token-store.js';
