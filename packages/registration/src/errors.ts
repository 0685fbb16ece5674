export interface RegistrationErrorOptions {
  code: string;
  hint?: string | undefined;
  details?: string[] | undefined;
  cause?: unknown;
}

/**
 * Base class of the registration errors (`MR_CONFIGURE_...`). Messages and details never contain a token:
 * GitLab errors arrive redacted, and runner tokens are only ever written to the tokens file.
 */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string[] | undefined;

  constructor(message: string, options: RegistrationErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.hint = options.hint;
    this.details = options.details;
  }
}
