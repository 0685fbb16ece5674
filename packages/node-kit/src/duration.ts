// Durations as written in config and settings files (`90`, `"90s"`, `"10m"`, `"1h30m"`, `"7d"`: a bare
// number counts seconds, as in the original's config file), always held in one unit: milliseconds.

/** The longest delay Node's timers accept (2^31-1 ms); a longer one fires at once (Node's `setTimeout` docs). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const durationPart = /(\d+(?:\.\d+)?)\s*([smhd])/gy;

/**
 * Reads a duration: a non-negative number of seconds, or a string of number+unit parts (`s`, `m`, `h`, `d`),
 * such as `"90s"`, `"10m"`, `"1h30m"`, `"1h 30m"`, `"7d"`; a bare number in a string means seconds.
 * Returns milliseconds (rounded), or undefined when the value is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  const seconds = durationSeconds(value);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value >= 0n ? Number(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (text === '') return undefined;
  let seconds = 0;
  let end = 0;
  for (;;) {
    while (text[end] === ' ') end++;
    if (end === text.length) break;
    durationPart.lastIndex = end;
    const match = durationPart.exec(text);
    if (!match) return undefined;
    seconds += Number(match[1]) * durationUnits[match[2]!]!;
    end = durationPart.lastIndex;
  }
  return seconds;
}

/** Writes milliseconds the way a person writes them in a config file: `"30s"`, `"10m"`, `"1h30m"`, `"7d"`. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (!Number.isInteger(seconds) || seconds <= 0) return `${seconds}s`;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
