/** Exit codes of `gitlab-meta-runner`. */
export const EXIT = {
  ok: 0,
  /** Something failed at run time (GitLab unreachable, a launch failed, ...). */
  failure: 1,
  /** The command line or the config file is wrong; nothing was attempted. */
  usage: 2,
} as const;

/** A usage problem found by the CLI itself. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code = 'MR_USAGE';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
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

const usageCodes = /^MR_(USAGE|CONFIG|TEMPLATE)/;

/** Exit code for an error: 2 for usage, config and template errors, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  const code = (error as CodedError | undefined)?.code;
  return typeof code === 'string' && usageCodes.test(code) ? EXIT.usage : EXIT.failure;
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
