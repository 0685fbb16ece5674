/** Log levels from quietest to loudest. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra structured fields of a log line (shown as `key=value`, or as JSON fields). */
export type LogFields = Record<string, unknown>;

/** What the packages accept as a logger; `createLogger` makes one, tests may pass their own. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  verbose(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** Whether a level is written, so callers can skip building expensive messages. */
  enabled(level: LogLevel): boolean;
  /** A logger that prefixes every message with `scope: `. */
  child(scope: string): Logger;
}

export interface LoggerOptions {
  /** Highest level written. Default `info`. */
  level?: LogLevel;
  /** `text` (default) for people, `json` (one object per line) for services. */
  format?: 'text' | 'json';
  /** Where lines go. Default `process.stderr`. */
  stream?: { write(chunk: string): unknown; isTTY?: boolean };
  /** Force colour on or off; default: on for a TTY unless NO_COLOR is set. */
  color?: boolean;
  /** Environment for NO_COLOR / FORCE_COLOR. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Clock for JSON timestamps (tests). */
  now?: () => Date;
  /** Strings to replace by `[redacted]` wherever they appear (tokens). */
  secrets?: Iterable<string>;
}

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
const colors: Record<LogLevel, string> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '',
  verbose: '\x1b[2m',
  debug: '\x1b[2m',
};
const labels: Record<LogLevel, string> = {
  error: 'error: ',
  warn: 'warning: ',
  info: '',
  verbose: '',
  debug: 'debug: ',
};

/** Decides colour the usual way: never with NO_COLOR, forced with FORCE_COLOR, else only on a TTY. */
export function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '') return true;
  return stream.isTTY === true;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** A leveled logger writing one line per message to stderr (or `stream`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const color = options.color ?? useColor(stream, env);
  const now = options.now ?? (() => new Date());
  const secrets = [...(options.secrets ?? [])].filter((s) => s.length >= 4);
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);

  const make = (scope: string | undefined): Logger => {
    const write = (lvl: LogLevel, message: string, fields?: LogFields) => {
      if (rank[lvl] > rank[level]) return;
      let line: string;
      if (format === 'json') {
        line = JSON.stringify({
          time: now().toISOString(),
          level: lvl,
          ...(scope ? { scope } : {}),
          msg: message,
          ...fields,
        });
      } else {
        const extra = fields
          ? Object.entries(fields)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]) => ` ${k}=${formatValue(v)}`)
              .join('')
          : '';
        const text = `${labels[lvl]}${scope ? `${scope}: ` : ''}${message}${extra}`;
        line = color && colors[lvl] ? `${colors[lvl]}${text}\x1b[0m` : text;
      }
      stream.write(`${redact(line)}\n`);
    };
    return {
      error: (m, f) => write('error', m, f),
      warn: (m, f) => write('warn', m, f),
      info: (m, f) => write('info', m, f),
      verbose: (m, f) => write('verbose', m, f),
      debug: (m, f) => write('debug', m, f),
      enabled: (lvl) => rank[lvl] <= rank[level],
      child: (child) => make(scope ? `${scope}: ${child}` : child),
    };
  };
  return make(undefined);
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  verbose() {},
  debug() {},
  enabled: () => false,
  child: () => silentLogger,
};

/** Maps `-v` (repeatable) and `-q` to a level: `info` by default, each `-v` one louder, `-q` warnings and errors only. */
export function levelFromFlags(verbose: number, quiet: boolean): LogLevel {
  if (quiet) return 'warn';
  return LOG_LEVELS[Math.min(rank.info + verbose, LOG_LEVELS.length - 1)]!;
}
