import { parseSize } from '@mr/node-kit/size';
import { z } from 'zod';
import { doc } from './key-doc.js';
import { NO_TIME_LIMIT, parseSlurmTime } from './slurm-time.js';

/** A resource key: lower case, so that its `[launch]` variable (the key in upper case) is distinct. */
export const RESOURCE_KEY = /^[a-z][a-z0-9_]*$/;
/**
 * Every resource value: it comes from a job tag and reaches batch arguments and the batch script, so only
 * characters that mean nothing to a shell are allowed.
 */
export const RESOURCE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/;
/** Keys whose variables `[launch]` already has. */
const RESERVED_KEYS = new Set(['name', 'this', 'config', 'num_jobs']);

/** One resource a job may ask for with a `key=value` tag. */
export interface ResourceSpec {
  /** The value when the job's tags do not name the resource. */
  default: string;
  /** Upper limit: a number compares numbers; a string compares sizes ("64G"), or times for `time`. */
  max?: number | string | undefined;
  min?: number | string | undefined;
  /** A regular expression the whole value must match. */
  pattern?: string | undefined;
}

/** `[runners.<instance>.resources]`: resource key → its spec. */
export type Resources = Record<string, ResourceSpec>;

const NUMBER = /^\d+(\.\d+)?$/;

/** A value and a limit as comparable numbers, or a reason why they are not comparable. */
function comparable(key: string, value: string, limit: number | string): [number, number] | string {
  if (key === 'time') {
    const v = parseSlurmTime(value);
    const l = typeof limit === 'number' ? limit * 60 : parseSlurmTime(limit);
    if (v === undefined)
      return `"${value}" is not a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)`;
    return [v, l ?? NO_TIME_LIMIT];
  }
  if (typeof limit === 'number') {
    if (!NUMBER.test(value)) return `"${value}" is not a number`;
    return [Number(value), limit];
  }
  const v = parseSize(value);
  const l = parseSize(limit);
  if (v === undefined) return `"${value}" is not a size such as "500M" or "4G"`;
  return [v, l ?? Number.NaN];
}

/**
 * Why `value` is not allowed for resource `key`, or undefined when it is: the allowed characters, the
 * pattern, then min and max.
 */
export function resourceValueProblem(key: string, spec: ResourceSpec, value: string): string | undefined {
  if (!RESOURCE_VALUE.test(value))
    return `"${value}" may hold only letters, digits and . _ : + - (at most 64, starting with a letter or digit)`;
  if (spec.pattern !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${spec.pattern})$`);
    } catch {
      return `the pattern ${spec.pattern} is not a regular expression`;
    }
    if (!pattern.test(value)) return `"${value}" does not match the pattern ${spec.pattern}`;
  }
  if (key === 'time' && parseSlurmTime(value) === undefined)
    return `"${value}" is not a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)`;
  for (const [bound, limit] of [
    ['min', spec.min],
    ['max', spec.max],
  ] as const) {
    if (limit === undefined) continue;
    const pair = comparable(key, value, limit);
    if (typeof pair === 'string') return pair;
    const [v, l] = pair;
    if (bound === 'max' ? v > l : v < l)
      return `"${value}" is ${bound === 'max' ? 'above' : 'below'} ${bound} ${limit}`;
  }
  return undefined;
}

const limit = z.union([z.number().nonnegative(), z.string()]);

const specObject = z.strictObject({
  default: z.union([z.string(), z.int().nonnegative()]).transform(String),
  max: limit.optional(),
  min: limit.optional(),
  pattern: z
    .string()
    .refine(
      (p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'expected a regular expression (JavaScript syntax)' },
    )
    .optional(),
});

const specSchema = z.union([z.string().transform((value): ResourceSpec => ({ default: value })), specObject]);

/** `[runners.<instance>.resources]`. */
export const resourcesSchema = doc(
  z
    .record(
      z.string().refine((k) => RESOURCE_KEY.test(k) && !RESERVED_KEYS.has(k), {
        error:
          'expected a resource key: a lower-case letter, then lower-case letters, digits or "_" (not name, this, config or num_jobs)',
      }),
      specSchema,
    )
    .superRefine((resources, ctx) => {
      for (const [key, spec] of Object.entries(resources)) {
        const problem = resourceValueProblem(key, spec, spec.default);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            path: [key, 'default'],
            message: `the default breaks its own rule: ${problem}`,
          });
        for (const bound of ['min', 'max'] as const) {
          const l = spec[bound];
          if (typeof l !== 'string') continue;
          const ok = key === 'time' ? parseSlurmTime(l) !== undefined : parseSize(l) !== undefined;
          if (!ok)
            ctx.addIssue({
              code: 'custom',
              path: [key, bound],
              message:
                key === 'time'
                  ? 'expected a Slurm time such as "2-00:00:00", or minutes'
                  : 'expected a number, or a size such as "64G"',
            });
        }
      }
    })
    .optional(),
  {
    type: 'table of resources',
    added: true,
    commented: { cpus: { default: '1', max: 64 }, time: '01:00:00' },
    description:
      'Resources a job may ask for with tags such as `cpus=8`: each key maps to `{ default = "...", max = ..., min = ..., pattern = "..." }`, or to a string that is just the default. `[launch]` sees each as the variable named by its key in upper case (`$CPUS`), from the job\'s tag or the default. A job asking for a value beyond a limit, or for a key not declared here, is not launched. See docs/resources.md.',
  },
);
