export { type ConfigureOptions, type ConfigureResult, configure } from './configure.js';
export { formatConfigureSummary } from './configure-summary.js';
export { RegistrationError, type RegistrationErrorOptions } from './errors.js';
export {
  type ConfigureFailure,
  type RotateExpiringTokensOptions,
  type RotateOptions,
  type RotateResult,
  rotateExpiringTokens,
} from './rotate.js';
