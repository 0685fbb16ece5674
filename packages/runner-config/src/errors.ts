import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

/** Codes of a config file that cannot be used. */
export const CONFIG_ERROR_CODES = [
  'MR_CONFIG_NOT_FOUND',
  'MR_CONFIG_UNREADABLE',
  'MR_CONFIG_EMPTY',
  'MR_CONFIG_SYNTAX',
  'MR_CONFIG_INVALID',
  'MR_CONFIG_TEMPLATE',
  'MR_CONFIG_NO_LAUNCH',
  'MR_CONFIG_UNKNOWN_INSTANCE',
  'MR_CONFIG_EXISTS',
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** Codes of a tokens file that cannot be used. */
export const TOKENS_FILE_ERROR_CODES = [
  'MR_TOKENS_UNREADABLE',
  'MR_TOKENS_SYNTAX',
  'MR_TOKENS_INVALID',
  'MR_RESOURCE_RUNNERS_INVALID',
] as const;
export type TokensFileErrorCode = (typeof TOKENS_FILE_ERROR_CODES)[number];

/** Every code this package throws. */
export const RUNNER_CONFIG_ERROR_CODES = [...CONFIG_ERROR_CODES, ...TOKENS_FILE_ERROR_CODES] as const;
export type RunnerConfigErrorCode = (typeof RUNNER_CONFIG_ERROR_CODES)[number];

export type RunnerConfigErrorOptions = MetaRunnerErrorOptions;

/** Base class of every error of `@mr/runner-config`: a stable `code`, a message for people, a hint, detail lines. */
export class RunnerConfigError<
  Code extends RunnerConfigErrorCode = RunnerConfigErrorCode,
> extends MetaRunnerError<Code> {
  override name = 'RunnerConfigError';
}

/** One problem of a config file: where (`path`, as written in TOML), and what is wrong. */
export interface ConfigProblem {
  /** Key path such as `runners.gpu.tags[1]` or `poll.interval`; `""` for the whole file. */
  path: string;
  /** The whole line as printed: `poll.interval: expected a duration greater than 0, found integer 0`. */
  message: string;
  /** What the key should hold, in words (`a duration greater than 0`). */
  expected?: string;
  /** What the file holds, in words (`integer 0`, `nothing: the key is missing`); never a secret. */
  found?: string;
  /** The line in the file, when known. */
  line?: number;
  /** The closest valid key, for unknown keys. */
  suggestion?: string;
  /** Template problems: the section (`runner`, `executor`, `launch`), the instance and the variable. */
  section?: string;
  instance?: string;
  variable?: string;
}

export interface ConfigErrorOptions extends RunnerConfigErrorOptions {
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  problems?: ConfigProblem[] | undefined;
}

/**
 * A config file that cannot be used: missing, unreadable, empty, not TOML, not valid, or a template that
 * cannot be instantiated. `details` lists every problem of the file (one line each); `problems` has them
 * as data. Messages never contain the management token or runner tokens.
 */
export class ConfigError extends RunnerConfigError<ConfigErrorCode> {
  override name = 'ConfigError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly problems: ConfigProblem[];

  constructor(code: ConfigErrorCode, message: string, options: ConfigErrorOptions = {}) {
    const problems = options.problems ?? [];
    super(code, message, { ...options, details: options.details ?? problems.map((p) => p.message) });
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.problems = problems;
  }

  /** Template errors: the section of the first problem (`runner`, `executor`, `launch`). */
  get section(): string | undefined {
    return this.problems.find((p) => p.section)?.section;
  }

  /** Template errors: the key path of the first problem. */
  get keyPath(): string | undefined {
    return this.problems[0]?.path;
  }

  /** Template errors: the runner instance of the first problem. */
  get instance(): string | undefined {
    return this.problems.find((p) => p.instance)?.instance;
  }

  /** Template errors: the first undefined variable. */
  get variable(): string | undefined {
    return this.problems.find((p) => p.variable)?.variable;
  }
}

/** A tokens file (`<data-dir>/<name>.tokens`) that cannot be read. Never contains a token. */
export class TokensFileError extends RunnerConfigError<TokensFileErrorCode> {
  override name = 'TokensFileError';
  readonly file: string;

  constructor(
    code: TokensFileErrorCode,
    message: string,
    options: RunnerConfigErrorOptions & { file: string },
  ) {
    super(code, message, options);
    this.file = options.file;
  }
}

/** `n problem(s)`. */
export function countProblems(n: number): string {
  return `${n} problem${n === 1 ? '' : 's'}`;
}
