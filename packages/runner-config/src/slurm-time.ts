// Slurm time limits as `sbatch --time` reads them. The formats are those of sbatch(1) of Slurm 22.05.8 (the
// man page installed with the distribution's slurm-wlm package): "minutes", "minutes:seconds",
// "hours:minutes:seconds", "days-hours", "days-hours:minutes" and "days-hours:minutes:seconds". The same page
// says a limit of zero imposes no limit; Slurm's own parser (src/common/parse_time.c, time_str2secs) also
// takes "INFINITE" and "UNLIMITED" for that.

/** What {@link parseSlurmTime} returns for "0", "INFINITE" and "UNLIMITED". */
export const NO_TIME_LIMIT = Number.POSITIVE_INFINITY;

const DIGITS = /^\d{1,9}$/;

function numbers(parts: string[]): number[] | undefined {
  if (!parts.every((p) => DIGITS.test(p))) return undefined;
  return parts.map(Number);
}

/**
 * The seconds of a Slurm time limit, {@link NO_TIME_LIMIT} for no limit, or undefined when the text is not
 * one of sbatch's formats.
 */
export function parseSlurmTime(text: string): number | undefined {
  const value = text.trim();
  if (/^(infinite|unlimited)$/i.test(value)) return NO_TIME_LIMIT;
  const dash = value.split('-');
  if (dash.length > 2) return undefined;
  let total: number;
  if (dash.length === 2) {
    // days-hours, days-hours:minutes, days-hours:minutes:seconds
    const days = numbers([dash[0]!]);
    const rest = numbers(dash[1]!.split(':'));
    if (!days || !rest || rest.length > 3) return undefined;
    const [h = 0, m = 0, s = 0] = rest;
    total = days[0]! * 86_400 + h * 3600 + m * 60 + s;
  } else {
    const parts = numbers(value.split(':'));
    if (!parts || parts.length > 3) return undefined;
    if (parts.length === 1)
      total = parts[0]! * 60; // minutes
    else if (parts.length === 2)
      total = parts[0]! * 60 + parts[1]!; // minutes:seconds
    else total = parts[0]! * 3600 + parts[1]! * 60 + parts[2]!; // hours:minutes:seconds
  }
  return total === 0 ? NO_TIME_LIMIT : total;
}
