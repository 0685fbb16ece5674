import { age } from './human-age.js';
import type { PickupSummary } from './pickup-summary.js';
import type { StatusReport } from './status-report.js';

/** A pickup time: tenths below a minute (`3.2s`), else the two largest units (`4m10s`). */
export function pickupSeconds(value: number): string {
  return value < 60 ? `${value.toFixed(1).replace(/\.0$/, '')}s` : age(value);
}

/** `last cycle 3s ago: 4 pending (cpu 3, gpu 1), 1 unmatched`. */
export function lastCycleText(cycle: NonNullable<StatusReport['last_cycle']>): string {
  const matched = Object.entries(cycle.matched)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`);
  return `last cycle ${age(cycle.age_seconds)} ago: ${cycle.pending} pending${matched.length ? ` (${matched.join(', ')})` : ''}, ${cycle.unmatched} unmatched`;
}

/** `cpu: median 3.2s, max 12s over 5 jobs; latest 2s, 1m ago` (`now` in ms). */
export function pickupText(p: PickupSummary, now: number): string {
  const ago = age(Math.max(0, (now - Date.parse(p.last_at)) / 1000));
  return `${p.instance}: median ${pickupSeconds(p.median_seconds)}, max ${pickupSeconds(p.max_seconds)} over ${p.jobs} job(s); latest ${pickupSeconds(p.last_seconds)}, ${ago} ago`;
}
