// Durations for people. Reading durations and sizes is the executor's (`@mr/apptainer-executor/settings`),
// so that the config file and the standalone executor read them alike, in milliseconds.

/** Formats milliseconds the way a person writes them in the config file: `"30s"`, `"10m"`, `"1h30m"`, `"7d"`. */
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
