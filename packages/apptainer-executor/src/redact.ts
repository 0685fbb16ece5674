import type { LogFields, Logger } from '@mr/logger';
import { MIN_SECRET_LENGTH, redactText } from '@mr/node-kit/redact';

/** A logger that redacts secrets in messages and string fields before passing them on. */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const useful = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (useful.length === 0) return logger;
  const fields = (f?: LogFields) =>
    f &&
    Object.fromEntries(
      Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? redactText(v, useful) : v]),
    );
  return {
    error: (m, f) => logger.error(redactText(m, useful), fields(f)),
    warn: (m, f) => logger.warn(redactText(m, useful), fields(f)),
    info: (m, f) => logger.info(redactText(m, useful), fields(f)),
    verbose: (m, f) => logger.verbose(redactText(m, useful), fields(f)),
    debug: (m, f) => logger.debug(redactText(m, useful), fields(f)),
    enabled: (level) => logger.enabled(level),
    child: (scope) => redactingLogger(logger.child(scope), useful),
  };
}
