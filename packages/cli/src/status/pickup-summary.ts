import type { PickupRecord } from '@mr/launcher';

/** The recent pickup times of one instance: from a job becoming pending to the launch of its runner. */
export interface PickupSummary {
  instance: string;
  /** Launched jobs among the recent ones the state keeps. */
  jobs: number;
  median_seconds: number;
  max_seconds: number;
  /** The latest launched job's. */
  last_seconds: number;
  last_at: string;
}

/** Per instance (sorted by name): median, maximum and latest of the pickup times the state keeps. */
export function summarisePickups(records: readonly PickupRecord[]): PickupSummary[] {
  const byInstance = new Map<string, PickupRecord[]>();
  for (const r of records) byInstance.set(r.instance, [...(byInstance.get(r.instance) ?? []), r]);
  return [...byInstance]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([instance, list]) => {
      const sorted = list.map((r) => r.seconds).sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
      const last = list.at(-1)!;
      return {
        instance,
        jobs: list.length,
        median_seconds: Math.round(median * 10) / 10,
        max_seconds: sorted.at(-1)!,
        last_seconds: last.seconds,
        last_at: last.at,
      };
    });
}
