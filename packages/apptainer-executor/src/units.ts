// Durations and sizes as written in settings; the same syntax as the meta-runner's config file.

/** The longest delay Node's timers accept (2^31-1 ms); a longer one fires at once (Node's `setTimeout` docs). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const sizeUnits: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Reads a duration: a non-negative number of seconds, or a string of number+unit parts (`s`, `m`, `h`,
 * `d`) such as "90s", "10m", "1h30m", "7d" (a bare number in a string means seconds).
 * Returns milliseconds, or undefined when the value is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$/.test(text)) return undefined;
  let seconds = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/g))
    seconds += Number(match[1]) * durationUnits[match[2]!]!;
  return Math.round(seconds * 1000);
}

/**
 * Reads a size: a non-negative integer number of bytes, or a string such as "50G", "500M", "1.5TiB"
 * (K, M, G, T, P are powers of 1024; `B` and `iB` suffixes are accepted). Returns bytes, or undefined.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * sizeUnits[match[2]!.toLowerCase()]!);
}

/** A byte count for people: "1.5 GiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
