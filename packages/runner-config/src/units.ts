// Durations and sizes as written in the config file. Pure functions without dependencies, so that light
// loaders can share them.

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const durationPart = /(\d+(?:\.\d+)?)\s*([smhd])/gy;

/**
 * Reads a duration: a non-negative number of seconds, or a string of number+unit parts (`s`, `m`, `h`, `d`),
 * such as `"90s"`, `"10m"`, `"1h30m"`, `"7d"`; a bare number in a string means seconds.
 * Returns the seconds, or undefined when the value is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value >= 0n ? Number(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (text === '') return undefined;
  let seconds = 0;
  durationPart.lastIndex = 0;
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

const sizeUnits: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Reads a size: a non-negative integer number of bytes, or a string like `"50G"`, `"500M"`, `"1.5TiB"`,
 * `"4096"` (units K, M, G, T, P are powers of 1024; `B`, `iB` suffixes are accepted).
 * Returns the bytes (rounded down), or undefined when the value is not a size.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value >= 0n ? Number(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * sizeUnits[match[2]!.toLowerCase()]!);
}

/** Formats seconds the way a person writes them in the config file: `"30s"`, `"10m"`, `"1h30m"`, `"7d"`. */
export function formatDuration(seconds: number): string {
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
