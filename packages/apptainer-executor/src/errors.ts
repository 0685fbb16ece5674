import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** Every code the executor's errors carry. */
export const EXECUTOR_ERROR_CODES = [
  'MR_EXECUTOR_USAGE',
  'MR_EXECUTOR_SETTINGS',
  'MR_EXECUTOR_JOB',
  'MR_EXECUTOR_NO_IMAGE',
  'MR_EXECUTOR_BAD_IMAGE_NAME',
  'MR_EXECUTOR_IMAGE_NOT_ALLOWED',
  'MR_EXECUTOR_PULL_POLICY_NOT_ALLOWED',
  'MR_EXECUTOR_APPTAINER_MISSING',
  'MR_EXECUTOR_TOOL_UNSUPPORTED',
  'MR_EXECUTOR_WRITABLE_TMPFS_REFUSED',
  'MR_EXECUTOR_PULL_FAILED',
  'MR_EXECUTOR_IMAGE_MISSING',
  'MR_EXECUTOR_APPTAINER_FAILED',
  'MR_EXECUTOR_CANCELED',
  'MR_EXECUTOR_JOB_RESPONSE',
  'MR_EXECUTOR_IMAGE_CREDENTIALS',
] as const;

/** Stable codes of the executor's errors. */
export type ExecutorErrorCode = (typeof EXECUTOR_ERROR_CODES)[number];

/**
 * Who is to blame for a failure, which decides the exit code gitlab-runner sees:
 * `build` (the job asked for something impossible: exit `$BUILD_FAILURE_EXIT_CODE`, no retry) or
 * `system` (infrastructure: exit `$SYSTEM_FAILURE_EXIT_CODE`, gitlab-runner retries prepare).
 */
export type FailureKind = 'build' | 'system';

export interface ExecutorErrorOptions extends MetaRunnerErrorOptions {
  failure?: FailureKind | undefined;
}

/** Base class of every error of `@mr/apptainer-executor`. Messages never contain registry passwords. */
export class ExecutorError extends MetaRunnerError<ExecutorErrorCode> {
  override name = 'ExecutorError';
  readonly failure: FailureKind;

  constructor(code: ExecutorErrorCode, message: string, options: ExecutorErrorOptions = {}) {
    super(code, message, options);
    this.failure = options.failure ?? 'system';
  }
}
