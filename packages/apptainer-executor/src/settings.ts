import { isAbsolute } from 'node:path';
import { type ExpandOptions, tryExpand, type Variables } from '@mr/template';
import { ExecutorError } from './errors.js';
import { expandKeepingUndefined } from './lenient-expand.js';
import {
  CONTAINER_HOMES,
  type CheckedSettings,
  EXECUTOR_SETTINGS,
  type ExecutorSettings,
  PREDEFINED_STAGES,
  PULL_POLICIES,
  type SettingKey,
  type SettingSpec,
} from './setting-keys.js';
import { MAX_TIMER_MS, parseDuration } from '@mr/node-kit/duration';
import { parseSize } from '@mr/node-kit/size';

/** One problem with a setting: its key (`mount[1]`), what is wrong, and the variable it concerns. */
export interface SettingProblem {
  key: string;
  message: string;
  variable?: string | undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/**
 * Why `pass_env` may not name a variable (or pattern): HOME cannot be set through `<PREFIX>ENV_HOME`
 * (apptainer refuses it: "Overriding HOME environment variable ... is not permitted",
 * internal/pkg/util/env/create.go, apptainer v1.0.0) and `<PREFIX>ENV_PATH` replaces the image's PATH.
 */
export function refusedPassEnv(name: string): string | undefined {
  const matches = (variable: string) =>
    name.endsWith('*') ? variable.startsWith(name.slice(0, -1)) : name === variable;
  if (matches('HOME'))
    return `${JSON.stringify(name)} would pass HOME, which apptainer does not let a variable set: use the home setting ("job", "user" or "none")`;
  if (matches('PATH'))
    return `${JSON.stringify(name)} would pass PATH, which would replace the image's PATH with this node's: set PATH in the job's script instead`;
  return undefined;
}

const found = (value: unknown) =>
  Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');
const isPolicy = (value: unknown): value is (typeof PULL_POLICIES)[number] =>
  typeof value === 'string' && (PULL_POLICIES as readonly string[]).includes(value);

/** Checks one value as written against its setting; returns the value read, or a problem message. */
export function checkSetting(spec: SettingSpec, value: unknown): { value: unknown } | { problem: string } {
  const wrong = (expected: string) => ({ problem: `expected ${expected}, found ${found(value)}` });
  switch (spec.kind) {
    case 'dir':
    case 'program':
    case 'job-text':
      return typeof value === 'string' ? { value } : wrong('a string');
    case 'image':
      return typeof value === 'string' && value !== '' ? { value } : wrong('a non-empty string');
    case 'flag':
      return typeof value === 'boolean' || typeof value === 'string'
        ? { value }
        : wrong('a boolean, or a string that expands to "true" or "false"');
    case 'expanded-list':
    case 'list':
      return isStrings(value) ? { value } : wrong('an array of strings');
    case 'env-names': {
      if (!isStrings(value) || !value.every((v) => ENV_NAME.test(v)))
        return wrong('an array of variable names or prefix patterns such as "MY_*"');
      const refused = value.map(refusedPassEnv).find((r) => r !== undefined);
      return refused ? { problem: refused } : { value };
    }
    case 'home':
      return (CONTAINER_HOMES as readonly unknown[]).includes(value)
        ? { value }
        : wrong(`one of ${CONTAINER_HOMES.map((h) => `"${h}"`).join(', ')}`);
    case 'pull-policy':
      return isPolicy(value) ? { value } : wrong('one of "always", "if-not-present", "never"');
    case 'pull-policies':
      return Array.isArray(value) && value.every(isPolicy)
        ? { value }
        : wrong('an array of pull policies ("always", "if-not-present", "never")');
    case 'stages':
      return (PREDEFINED_STAGES as readonly unknown[]).includes(value)
        ? { value }
        : wrong('one of "host", "image"');
    case 'size': {
      const bytes = parseSize(value);
      return bytes === undefined
        ? wrong('a size: a number of bytes, or a string like "500M", "50G"')
        : { value: bytes };
    }
    case 'duration': {
      const ms = parseDuration(value);
      if (ms === undefined)
        return wrong('a duration: a number of seconds, or a string like "90s", "10m", "7d"');
      if (spec.timer && ms > MAX_TIMER_MS) return { problem: timerProblem(value) };
      return { value: ms };
    }
  }
}

/** The message for a timer duration beyond what Node's timers can wait. */
export const timerProblem = (value: unknown) =>
  `expected a duration of at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest wait Node's timers allow), found ${found(value)}`;

/**
 * Checks the settings as written (every key known, every value of its kind), applies the defaults and
 * converts durations to milliseconds and sizes to bytes. `keys` limits the known keys.
 */
export function checkSettings(
  section: Record<string, unknown>,
  keys: readonly SettingKey[] = Object.keys(EXECUTOR_SETTINGS) as SettingKey[],
): { settings: CheckedSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const spec: SettingSpec = EXECUTOR_SETTINGS[key];
    if (spec.default !== undefined) out[key] = (checkSetting(spec, spec.default) as { value: unknown }).value;
  }
  for (const [key, value] of Object.entries(section)) {
    if (value === undefined) continue;
    if (!(keys as readonly string[]).includes(key)) {
      problems.push({ key, message: `unknown key (known keys: ${keys.join(', ')})` });
      continue;
    }
    const result = checkSetting(EXECUTOR_SETTINGS[key as SettingKey], value);
    if ('problem' in result) problems.push({ key, message: result.problem });
    else out[key] = result.value;
  }
  return { settings: out as CheckedSettings, problems };
}

/** Expands the templates of checked settings; `builds_dir` must be set by then. */
export function expandSettings(
  settings: CheckedSettings,
  variables: Variables,
  options: ExpandOptions = {},
): { settings: ExecutorSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const expand = (key: string, template: string): string | undefined => {
    const result = tryExpand(template, variables, options);
    if (result.ok) return result.value;
    for (const p of result.problems) problems.push({ key, message: p.message, variable: p.variable });
    return undefined;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const spec: SettingSpec = EXECUTOR_SETTINGS[key as SettingKey];
    switch (spec.kind) {
      case 'dir':
      case 'program': {
        const text = expand(key, value as string);
        if (text === '') problems.push({ key, message: 'expected a non-empty string, found ""' });
        else if (text !== undefined && spec.kind === 'dir' && !isAbsolute(text))
          problems.push({ key, message: `expected an absolute path, found ${JSON.stringify(text)}` });
        else out[key] = text;
        break;
      }
      case 'job-text': {
        // Variables that exist only when the job runs stay as written; a syntax error is a problem.
        const syntax = tryExpand(value as string, variables, options);
        const broken = syntax.ok
          ? []
          : syntax.problems.filter((p) => p.code !== 'MR_TEMPLATE_UNDEFINED_VARIABLE');
        if (broken.length === 0) out[key] = expandKeepingUndefined(value as string, variables, options);
        for (const p of broken) problems.push({ key, message: p.message, variable: p.variable });
        break;
      }
      case 'flag': {
        if (typeof value === 'boolean') {
          out[key] = value;
          break;
        }
        const text = expand(key, value as string)
          ?.trim()
          .toLowerCase();
        if (text === 'true' || text === 'false') out[key] = text === 'true';
        else if (text !== undefined)
          problems.push({ key, message: `expands to ${JSON.stringify(text)}; expected "true" or "false"` });
        break;
      }
      case 'expanded-list':
        out[key] = (value as string[]).map((v, i) => expand(`${key}[${i}]`, v) ?? v);
        break;
      default:
        out[key] = value;
    }
  }
  if (settings.builds_dir === undefined) {
    problems.push({
      key: 'builds_dir',
      message: "not set: the executor needs a directory for the jobs' builds",
    });
  }
  return { settings: out as ExecutorSettings, problems };
}

export interface SectionContext {
  /** Where a key's value comes from, for messages: a file name or "the command line". */
  originOf: (key: string) => string;
  /** Prefix of key paths in messages, e.g. "executor.". */
  keyPrefix?: string;
  /** Variables for `$NAME` expansion (the first defined wins when you pass `scopes(...)`). */
  variables: Variables;
  home?: string | undefined;
}

/**
 * Checks and expands the settings as written (the `[executor]` keys plus `builds_dir` and `cache_dir`).
 * Collects every problem and throws one `MR_EXECUTOR_SETTINGS` error listing them all.
 */
export function settingsFromSection(
  section: Record<string, unknown>,
  context: SectionContext,
): ExecutorSettings {
  const checked = checkSettings(section);
  const expanded = expandSettings(checked.settings, context.variables, { home: context.home });
  // A key that could not be read is not reported again as missing.
  const unread = new Set(checked.problems.map((p) => p.key));
  const problems = [...checked.problems, ...expanded.problems.filter((p) => !unread.has(p.key))].map((p) => {
    const root = p.key.replace(/\[.*$/, '');
    return `${context.originOf(root)}: ${context.keyPrefix ?? ''}${p.key}: ${p.message}`;
  });
  if (problems.length > 0) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      problems.length === 1
        ? `invalid executor settings: ${problems[0]}`
        : `invalid executor settings (${problems.length} problems)`,
      { details: problems.length === 1 ? undefined : problems },
    );
  }
  return expanded.settings;
}
