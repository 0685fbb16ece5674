import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** Every code the launcher's errors carry. */
export const LAUNCHER_ERROR_CODES = [
  'MR_LAUNCH_NO_LAUNCH_SECTION',
  'MR_LAUNCH_NOT_CONFIGURED',
  'MR_LAUNCH_LOCKED',
  'MR_LAUNCH_LOCK_LOST',
  'MR_LAUNCH_BUSY',
  'MR_LAUNCH_READ_ONLY',
  'MR_LAUNCH_STATE_INVALID',
  'MR_LAUNCH_STATE_IO',
  'MR_LAUNCH_FAILED',
  'MR_LAUNCH_TIMEOUT',
  'MR_LAUNCH_SPAWN',
  'MR_LAUNCH_SETTINGS',
  'MR_LAUNCH_STATUS_FAILED',
  'MR_LAUNCH_NO_CANCEL',
  'MR_LAUNCH_METRICS_LISTEN',
  'MR_LAUNCH_WEBHOOK_SECRET',
  'MR_LAUNCH_WEBHOOK_LISTEN',
] as const;

/** Stable codes of the launcher's errors. */
export type LauncherErrorCode = (typeof LAUNCHER_ERROR_CODES)[number];

export type LauncherErrorOptions = MetaRunnerErrorOptions;

/**
 * Base class of the launcher's errors. `code` is stable (`MR_LAUNCH_...`); messages and details never contain
 * a token: callers redact output before they build an error.
 */
export class LauncherError<Code extends LauncherErrorCode = LauncherErrorCode> extends MetaRunnerError<Code> {
  override name = 'LauncherError';
}

/** Who holds the launcher lock, as far as its file says. */
export interface LockHolderInfo {
  host: string;
  pid: number;
  since: string;
}

/** Another launcher holds the lock of this data directory. Code `MR_LAUNCH_LOCKED`. */
export class LaunchLockedError extends LauncherError<'MR_LAUNCH_LOCKED'> {
  override name = 'LaunchLockedError';
  readonly lockFile: string;
  readonly holder: LockHolderInfo | undefined;

  constructor(
    message: string,
    options: LauncherErrorOptions & { lockFile: string; holder?: LockHolderInfo | undefined },
  ) {
    super('MR_LAUNCH_LOCKED', message, options);
    this.lockFile = options.lockFile;
    this.holder = options.holder;
  }
}

/** The launch state file cannot be read or written. Code `MR_LAUNCH_STATE_INVALID` or `MR_LAUNCH_STATE_IO`. */
export class LaunchStateError extends LauncherError<'MR_LAUNCH_STATE_INVALID' | 'MR_LAUNCH_STATE_IO'> {
  override name = 'LaunchStateError';
  readonly file: string;

  constructor(
    code: 'MR_LAUNCH_STATE_INVALID' | 'MR_LAUNCH_STATE_IO',
    message: string,
    options: LauncherErrorOptions & { file: string },
  ) {
    super(code, message, options);
    this.file = options.file;
  }
}

type LaunchCommandCode = 'MR_LAUNCH_FAILED' | 'MR_LAUNCH_TIMEOUT' | 'MR_LAUNCH_SPAWN' | 'MR_LAUNCH_SETTINGS';

/**
 * One launch command did not succeed. Code `MR_LAUNCH_FAILED` (non-zero exit), `MR_LAUNCH_TIMEOUT`,
 * `MR_LAUNCH_SPAWN` (could not be started) or `MR_LAUNCH_SETTINGS` (the `[launch]` templates do not expand).
 * `stdout` and `stderr` are already redacted.
 */
export class LaunchCommandError extends LauncherError<LaunchCommandCode> {
  override name = 'LaunchCommandError';
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    code: LaunchCommandCode,
    message: string,
    options: LauncherErrorOptions & {
      exitCode?: number | undefined;
      signal?: string | undefined;
      stdout?: string;
      stderr?: string;
    } = {},
  ) {
    super(code, message, options);
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stdout = options.stdout ?? '';
    this.stderr = options.stderr ?? '';
  }
}
