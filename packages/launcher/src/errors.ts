export interface LauncherErrorOptions {
  code: string;
  hint?: string | undefined;
  details?: string[] | undefined;
  cause?: unknown;
}

/**
 * Base class of the launcher's errors. `code` is stable (`MR_LAUNCH_...`); messages and details never contain
 * a token: callers redact output before they build an error.
 */
export class LauncherError extends Error {
  override name = 'LauncherError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string[] | undefined;

  constructor(message: string, options: LauncherErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Another launcher holds the lock of this data directory. Code `MR_LAUNCH_LOCKED`. */
export class LaunchLockedError extends LauncherError {
  override name = 'LaunchLockedError';
  readonly lockFile: string;
  readonly holder: { host: string; pid: number; since: string } | undefined;

  constructor(
    message: string,
    options: Omit<LauncherErrorOptions, 'code'> & {
      lockFile: string;
      holder?: { host: string; pid: number; since: string } | undefined;
    },
  ) {
    super(message, { ...options, code: 'MR_LAUNCH_LOCKED' });
    this.lockFile = options.lockFile;
    this.holder = options.holder;
  }
}

/** The launch state file cannot be read or written. Code `MR_LAUNCH_STATE_INVALID` or `MR_LAUNCH_STATE_IO`. */
export class LaunchStateError extends LauncherError {
  override name = 'LaunchStateError';
  readonly file: string;

  constructor(message: string, options: LauncherErrorOptions & { file: string }) {
    super(message, options);
    this.file = options.file;
  }
}

/**
 * One launch command did not succeed. Code `MR_LAUNCH_FAILED` (non-zero exit), `MR_LAUNCH_TIMEOUT`,
 * `MR_LAUNCH_SPAWN` (could not be started) or `MR_LAUNCH_SETTINGS` (the `[launch]` templates do not expand).
 * `stdout` and `stderr` are already redacted.
 */
export class LaunchCommandError extends LauncherError {
  override name = 'LaunchCommandError';
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    message: string,
    options: LauncherErrorOptions & {
      exitCode?: number | undefined;
      signal?: string | undefined;
      stdout?: string;
      stderr?: string;
    },
  ) {
    super(message, options);
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stdout = options.stdout ?? '';
    this.stderr = options.stderr ?? '';
  }
}
