import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** Exit codes of `gitlab-meta-runner`. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time (GitLab unreachable, a launch failed, ...). */
  failure: 1,
  /** The command line or the config file is wrong; nothing was attempted. */
  usage: 2,
} as const;

/** The codes of the errors the CLI throws itself. */
export const CLI_ERROR_CODES = ['MR_USAGE'] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** A usage problem found by the CLI itself. */
export class UsageError extends MetaRunnerError<'MR_USAGE'> {
  override name = 'UsageError';
  constructor(message: string, options: MetaRunnerErrorOptions = {}) {
    super('MR_USAGE', message, options);
  }
}

interface CodedError {
  message: string;
  code?: unknown;
  hint?: unknown;
  details?: unknown;
  stack?: string;
  cause?: unknown;
}

/**
 * Codes that exit with {@link EXIT.usage}: the command line, the config file or a template is wrong and
 * nothing was attempted. A prefix counts only as a whole word (`MR_CONFIG_...`, not `MR_CONFIGURE_...`).
 */
const usagePrefixes = /^MR_(?:USAGE|CONFIG|TEMPLATE)(?:_|$)/;
const usageCodes: ReadonlySet<string> = new Set(['MR_LAUNCH_NO_LAUNCH_SECTION', 'MR_LAUNCH_WEBHOOK_SECRET']);

/** Exit code for an error: 2 for usage, config and template errors, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  const code = (error as CodedError | undefined)?.code;
  if (typeof code !== 'string') return EXIT.failure;
  return usagePrefixes.test(code) || usageCodes.has(code) ? EXIT.usage : EXIT.failure;
}

/**
 * Formats an error for people: `error: message`, detail lines, a hint; the stack only when `showStack`.
 * Package errors carry `code`, optional `hint` and optional `details` (strings), and redact secrets themselves.
 */
export function formatError(error: unknown, showStack: boolean): string {
  if (!(error instanceof Error)) return `error: ${String(error)}\n`;
  const e = error as CodedError;
  const lines = [`error: ${e.message}`];
  if (Array.isArray(e.details)) for (const d of e.details) lines.push(`  ${String(d)}`);
  if (typeof e.hint === 'string' && e.hint) lines.push(`hint: ${e.hint}`);
  if (showStack) {
    if (typeof e.code === 'string') lines.push(`code: ${e.code}`);
    if (e.stack) lines.push(e.stack);
    let cause = e.cause;
    while (cause instanceof Error) {
      lines.push(`caused by: ${cause.stack ?? cause.message}`);
      cause = (cause as CodedError).cause;
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Formats an error as one JSON log line (`--log-format json`), with the fields of the other log lines (`time`,
 * `level`, `msg`) and `code`, `hint`, `details` and `exit_code`; `stack` only when `showStack`.
 */
export function formatErrorJson(error: unknown, exitCode: number, showStack: boolean): string {
  const e = (error instanceof Error ? error : new Error(String(error))) as CodedError;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level: 'error', msg: e.message };
  if (typeof e.code === 'string') line.code = e.code;
  if (typeof e.hint === 'string' && e.hint) line.hint = e.hint;
  if (Array.isArray(e.details) && e.details.length > 0) line.details = e.details.map(String);
  line.exit_code = exitCode;
  if (showStack && e.stack) line.stack = e.stack;
  return `${JSON.stringify(line)}\n`;
}
