import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** Every code the registration errors carry. */
export const REGISTRATION_ERROR_CODES = [
  'MR_CONFIGURE_TOKENS_UNWRITABLE',
  'MR_CONFIGURE_TOKENS_LOCK',
  'MR_CONFIGURE_TOKEN_UNVERIFIED',
  'MR_CONFIGURE_GROUP_ROLE',
] as const;
export type RegistrationErrorCode = (typeof REGISTRATION_ERROR_CODES)[number];

export type RegistrationErrorOptions = MetaRunnerErrorOptions;

/**
 * Base class of the registration errors (`MR_CONFIGURE_...`). Messages and details never contain a token:
 * GitLab errors arrive redacted, and runner tokens are only ever written to the tokens file.
 */
export class RegistrationError extends MetaRunnerError<RegistrationErrorCode> {
  override name = 'RegistrationError';
}
