import type { z } from 'zod';
import type { ConfigProblem } from './errors.js';
import { lineOf } from './locate.js';
import { allConfigKeys, keyAt, type SchemaKey } from './schema-keys.js';
import { closest } from './suggest.js';
import { tomlKey } from './toml-write.js';

/** A key path the way a person reads it in TOML: `runners."my gpu".tags[1]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += (out ? '.' : '') + tomlKey(String(segment));
  }
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment as string];
  }
  return value;
}

const isSecretPath = (path: readonly PropertyKey[]) =>
  path.some((p) => p === 'management_token' || p === 'token');

/** What a value is, in words, as found in the file: `integer 0`, `string "sometimes"`, `a table`. */
export function describeFound(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    if (secret) return 'a string';
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'bigint') return `integer ${value}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `float ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (value instanceof Date) return `date-time ${value.toISOString()}`;
  if (Array.isArray(value)) {
    return value.length === 0
      ? 'an empty array'
      : `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  return 'a table';
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

const zodTypeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'a table',
  record: 'a table',
  date: 'a date',
};

function expectedFromDoc(key: SchemaKey | undefined): string | undefined {
  if (!key) return undefined;
  if (key.doc.expected) return key.doc.expected;
  if (key.kind === 'table' || key.kind === 'named-tables') return 'a table';
  return /^"/.test(key.doc.type) ? `one of ${key.doc.type.replace(' or ', ', ')}` : article(key.doc.type);
}

function sectionOf(path: readonly string[]): string {
  if (path.length <= 1) return 'the top level (before any [section])';
  return `[${path.slice(0, -1).join('.')}]`;
}

function unknownKey(objectPath: readonly PropertyKey[], key: string): ConfigProblem {
  const table = keyAt(objectPath);
  const names = table?.keys.map((k) => k.path[k.path.length - 1]!) ?? [];
  const suggestion = closest(key, names);
  const path = formatKeyPath([...objectPath, key]);
  let message = `${path}: unknown key`;
  if (suggestion) {
    message += `; did you mean "${suggestion}"?`;
  } else {
    const elsewhere = allConfigKeys().find((k) => k.path[k.path.length - 1] === key);
    if (elsewhere) message += `; "${key}" belongs in ${sectionOf(elsewhere.path)}`;
    else if (names.length > 0) message += ` (valid keys here: ${names.join(', ')})`;
  }
  return { path, message, ...(suggestion ? { suggestion } : {}) };
}

function withLine(problem: ConfigProblem, line: number | undefined): ConfigProblem {
  return line === undefined ? problem : { ...problem, line, message: `line ${line}: ${problem.message}` };
}

function problemOf(issue: z.core.$ZodIssue, data: unknown): ConfigProblem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKey(path, key));
  const keyPath = formatKeyPath(path);
  const prefix = keyPath ? `${keyPath}: ` : '';
  if (issue.code === 'invalid_key') {
    const reason = (issue.issues[0]?.message ?? issue.message).replace(/^expected /, '');
    return [{ path: keyPath, message: `${prefix}not a valid name; expected ${reason}`, expected: reason }];
  }
  const key = keyAt(path);
  let expected: string;
  if (issue.message.startsWith('expected ')) expected = issue.message.slice('expected '.length);
  else if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && expectedFromDoc(key))
    expected = expectedFromDoc(key)!;
  else if (issue.code === 'invalid_type') expected = zodTypeNames[issue.expected] ?? issue.expected;
  else if (issue.code === 'invalid_value')
    expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  else expected = issue.message;

  const value = valueAt(data, path);
  if (value === undefined) {
    const message =
      key?.kind === 'table'
        ? `missing section [${keyPath}]`
        : key?.kind === 'named-tables'
          ? `missing [${keyPath}.<instance>] tables: the config needs its runner instances`
          : `${prefix}missing; expected ${expected}`;
    return [{ path: keyPath, message, expected, found: 'nothing' }];
  }
  const found = describeFound(value, isSecretPath(path));
  return [{ path: keyPath, message: `${prefix}expected ${expected}, found ${found}`, expected, found }];
}

/**
 * Turns zod's issues into one problem per line, with key path, what was expected and what was found, and the
 * line in the file when `lines` (from `locateKeys`) knows it. Sorted by line; problems without one come last.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  lines: Map<string, number> = new Map(),
): ConfigProblem[] {
  const problems = issues.flatMap((issue) =>
    problemOf(issue, data).map((problem, i) => {
      const extra = issue.code === 'unrecognized_keys' ? [issue.keys[i]!] : [];
      return withLine(problem, lineOf(lines, [...issue.path, ...extra]));
    }),
  );
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
    .map(({ problem }) => problem);
}
