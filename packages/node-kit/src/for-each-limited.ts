/**
 * Runs `work` for every item with at most `limit` running at once, starting them in order. `shouldStart` is
 * asked before each start; once it says no, the remaining items are skipped (reported in the result).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStart: (item: T) => boolean = () => true,
): Promise<{ started: T[]; skipped: T[] }> {
  const started: T[] = [];
  const skipped: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      if (!shouldStart(item)) {
        skipped.push(item);
        continue;
      }
      started.push(item);
      await work(item);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return { started, skipped };
}
