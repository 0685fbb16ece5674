// Sizes as written in config and settings files, in bytes.

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

/** A byte count for people: "512 B", "1.5 GiB". */
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
