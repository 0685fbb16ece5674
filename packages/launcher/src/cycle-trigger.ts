import { setTimeout as wait } from 'node:timers/promises';

/** After a hint ends a wait, hints arriving within this long join the same cycle (one pipeline's jobs). */
export const GATHER_MS = 150;

/**
 * The wait between two cycles, which a hint (the webhook) can cut short. Hints that arrive while a cycle
 * runs, or several during one wait, coalesce: they make exactly one cycle start as soon as the current one
 * ends.
 */
export class CycleTrigger {
  #pending: string[] = [];
  #wake: (() => void) | undefined;

  /** Asks for a cycle now; `reason` is reported with it. */
  fire(reason: string): void {
    this.#pending.push(reason);
    this.#wake?.();
  }

  /**
   * Waits `ms` or until {@link fire} (at once when a hint came since the last wait). Resolves with the hints
   * that cut the wait short (empty when it ran out or `signal` fired).
   */
  async wait(ms: number, signal: AbortSignal): Promise<string[]> {
    if (this.#pending.length === 0 && !signal.aborted) {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => controller.abort();
      try {
        await wait(ms, undefined, { signal: controller.signal }).catch(() => {});
        // Woken by a hint: let the rest of its burst arrive.
        if (this.#pending.length > 0 && !signal.aborted)
          await wait(GATHER_MS, undefined, { signal }).catch(() => {});
      } finally {
        this.#wake = undefined;
        signal.removeEventListener('abort', onAbort);
      }
    }
    return this.#pending.splice(0);
  }
}
