/** Whole seconds of a span in milliseconds, never negative. */
export function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

/** A duration for people: the two largest units, e.g. `9d23h`, `2m5s`, `40s`. */
export function age(total: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(total));
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length > 0 && parts.length < 2)) {
      if (parts.length < 2) parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}
