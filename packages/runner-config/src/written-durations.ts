import { keyAt } from './schema-keys.js';
import { formatDuration } from '@mr/node-kit/duration';

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A parsed config (or one of its sections, at `path`) with every duration written back the way the file
 * writes it (`"30s"`, `"10m"`) instead of milliseconds, for show-config: what it prints reads back the same.
 */
export function withWrittenDurations<T>(value: T, path: readonly string[] = []): T {
  if (!isTable(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      const at = [...path, key];
      if (typeof v === 'number' && keyAt(at)?.doc.type === 'duration') return [key, formatDuration(v)];
      return [key, withWrittenDurations(v, at)];
    }),
  ) as T;
}
