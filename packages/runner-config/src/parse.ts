import { readFile } from 'node:fs/promises';
import { tryExpand } from '@mr/template';
import { parse as parseToml, TomlError } from 'smol-toml';
import { type ConfigErrorCode, ConfigError, type ConfigProblem, countProblems } from './errors.js';
import { locateKeys } from './locate.js';
import { problemsFromIssues } from './problems.js';
import { redactTomlLine } from './redact.js';
import { type Config, configSchema } from './schema.js';
import { scopeProblems } from './scope.js';

export type Env = Record<string, string | undefined>;

export interface ParseConfigOptions {
  /** The file the text came from, for messages. */
  file: string;
  /** Environment for `management_token = "$VARIABLE"`. Default `process.env`. */
  env?: Env | undefined;
  /**
   * Default true. False for commands that never talk to GitLab (`status`): a `management_token` whose
   * variable is not set is then kept as written instead of being a problem.
   */
  requireManagementToken?: boolean | undefined;
}

const EXAMPLE_HINT = 'gitlab-meta-runner show-example-config prints a documented example of every key';

/** Reads TOML text; throws MR_CONFIG_EMPTY or MR_CONFIG_SYNTAX (with line and column). */
export function parseTomlText(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') {
    throw new ConfigError('MR_CONFIG_EMPTY', `config file ${file} is empty`, {
      file,
      hint: 'gitlab-meta-runner create-example-config writes a documented example to start from',
    });
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new ConfigError(
      'MR_CONFIG_SYNTAX',
      `${file}:${error.line}:${error.column}: not valid TOML: ${reason}`,
      {
        file,
        line: error.line,
        column: error.column,
        // The neighbouring lines, with secret values redacted: an executor step prints this into job logs.
        details: error.codeblock
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(redactTomlLine),
        // No `cause`: smol-toml's own message quotes the same lines unredacted (and -vv prints causes).
      },
    );
  }
}

/** Expands a secret (`management_token`, `poll.webhook.secret`) from the environment when it contains `$`. */
function expandToken(
  token: string,
  env: Env,
  path = 'management_token',
): { value: string; problems: ConfigProblem[] } {
  if (!token.includes('$')) return { value: token, problems: [] };
  const result = tryExpand(token, env);
  if (result.ok) {
    if (result.value !== '') return { value: result.value, problems: [] };
    return {
      value: '',
      problems: [
        {
          path,
          message: `${path}: expands to an empty string; set the variable it names in the environment`,
          section: path,
        },
      ],
    };
  }
  return {
    value: token,
    problems: result.problems.map((p) => ({
      path,
      message: `${path}: ${p.message}${
        p.code === 'MR_TEMPLATE_UNDEFINED_VARIABLE'
          ? ' (set it in the environment of gitlab-meta-runner)'
          : ''
      }`,
      section: path,
      ...(p.variable ? { variable: p.variable } : {}),
    })),
  };
}

/**
 * Parses and validates the text of a config file; applies defaults, converts durations to seconds and sizes
 * to bytes, and expands `management_token` from the environment. Throws one {@link ConfigError} with every
 * problem of the file.
 */
export function parseConfig(text: string, options: ParseConfigOptions): Config {
  const { file } = options;
  const env = options.env ?? process.env;
  const data = parseTomlText(text.replace(/^\uFEFF/, ''), file);
  if (Object.keys(data).length === 0) {
    throw new ConfigError('MR_CONFIG_EMPTY', `config file ${file} has no settings, only comments`, {
      file,
      hint: EXAMPLE_HINT,
    });
  }
  const result = configSchema.safeParse(data);
  const lines = locateKeys(text);
  const problems = [
    ...(result.success ? [] : problemsFromIssues(result.error.issues, data, lines)),
    ...scopeProblems(data, lines),
  ];
  const rawToken = data.management_token;
  let token = typeof rawToken === 'string' ? expandToken(rawToken, env) : undefined;
  if (token && token.problems.length > 0 && options.requireManagementToken === false) {
    token = { value: rawToken as string, problems: [] };
  }
  const tokenLine = lines.get('management_token');
  const rawSecret = (data.poll as { webhook?: { secret?: unknown } } | undefined)?.webhook?.secret;
  const secret =
    typeof rawSecret === 'string' ? expandToken(rawSecret, env, 'poll.webhook.secret') : undefined;
  if (options.requireManagementToken !== false)
    for (const problem of secret?.problems ?? []) problems.push(problem);
  for (const problem of token?.problems ?? []) {
    problems.push(
      tokenLine === undefined
        ? problem
        : { ...problem, line: tokenLine, message: `line ${tokenLine}: ${problem.message}` },
    );
  }
  if (problems.length > 0 || !result.success) {
    const code: ConfigErrorCode = problems.every((p) => p.section)
      ? 'MR_CONFIG_TEMPLATE'
      : 'MR_CONFIG_INVALID';
    throw new ConfigError(code, `config file ${file} is not valid (${countProblems(problems.length)})`, {
      file,
      problems,
      hint: EXAMPLE_HINT,
    });
  }
  const config: Config = { ...result.data, management_token: token!.value };
  if (config.poll.webhook && secret)
    config.poll = { ...config.poll, webhook: { ...config.poll.webhook, secret: secret.value } };
  return config;
}

/** Reads, parses and validates a config file; see {@link parseConfig}. */
export async function loadConfig(
  file: string,
  options: Omit<ParseConfigOptions, 'file'> = {},
): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw readError(file, error);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new ConfigError('MR_CONFIG_UNREADABLE', `config file ${file} is not text (not valid UTF-8)`, {
      file,
      cause: error,
    });
  }
  return parseConfig(text, { ...options, file });
}

function readError(file: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new ConfigError('MR_CONFIG_NOT_FOUND', `config file ${file} does not exist`, {
      file,
      cause: error,
      hint: 'write one with "gitlab-meta-runner create-example-config", or name another with --config-file',
    });
  }
  const reason =
    code === 'EISDIR'
      ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : (error as Error).message;
  return new ConfigError('MR_CONFIG_UNREADABLE', `cannot read config file ${file}: ${reason}`, {
    file,
    cause: error,
  });
}
