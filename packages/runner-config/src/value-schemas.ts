// Schemas of the value types the config file shares between sections: durations, sizes, counts, pull
// policies. Durations are read with @mr/node-kit's parser, as the executor reads them, so the whole program
// has one unit: milliseconds.
import { PULL_POLICIES, timerProblem } from '@mr/apptainer-executor/settings';
import { MAX_TIMER_MS, parseDuration } from '@mr/node-kit/duration';
import { parseSize } from '@mr/node-kit/size';
import { z } from 'zod';

export const DURATION = 'a duration: a number of seconds, or a string like "90s", "10m", "1h30m", "7d"';
export const SIZE = 'a size: a number of bytes, or a string like "500M", "50G" (powers of 1024)';

export interface DurationOptions {
  /** Must be greater than 0. */
  positive?: boolean | undefined;
  /** Waited for with a timer, so at most {@link MAX_TIMER_MS}. */
  timer?: boolean | undefined;
}

/** A duration in the file (seconds, or a string such as "10m"); milliseconds after parsing. */
export function duration(options: DurationOptions = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    };
    if (ms === undefined) {
      const negative = typeof value === 'number' ? value < 0 : /^\s*-/.test(value);
      return fail(
        !negative
          ? `expected ${DURATION}`
          : options.positive
            ? 'expected a duration greater than 0'
            : 'expected a duration of 0 or more',
      );
    }
    if (options.positive && ms <= 0) return fail('expected a duration greater than 0');
    if (options.timer && ms > MAX_TIMER_MS) return fail(timerProblem(value).replace(/, found .*$/, ''));
    return ms;
  });
}

/** A size in the file; bytes after parsing. */
export function size() {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', message: `expected ${SIZE}`, input: value });
      return z.NEVER;
    }
    return bytes;
  });
}

export const positiveInt = () => z.int().min(1, { error: 'expected an integer of at least 1' });

export const pullPolicy = () =>
  z.enum(PULL_POLICIES, { error: `expected one of ${PULL_POLICIES.map((p) => `"${p}"`).join(', ')}` });

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
