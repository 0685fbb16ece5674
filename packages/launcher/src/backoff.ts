import type { BackoffRecord } from './state.js';

/** Longest wait between launches of an instance whose launches keep failing. */
export const MAX_BACKOFF_MS = 30 * 60 * 1000;

/** The backoff after one more failure: `baseMs`, doubled for every earlier failure in a row, at most 30 min. */
export function nextBackoff(previous: BackoffRecord | undefined, baseMs: number, now: Date): BackoffRecord {
  const failures = (previous?.failures ?? 0) + 1;
  const wait = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(failures - 1, 30));
  return { failures, until: new Date(now.getTime() + wait).toISOString() };
}

/** Whether an instance must not launch at `now`. */
export function inBackoff(record: BackoffRecord | undefined, now: Date): boolean {
  return record !== undefined && Date.parse(record.until) > now.getTime();
}
