import type { EventEmitter } from 'node:events';
import type { WaitForOptions } from './options.js';

/**
 * Resolves once `predicate()` is true, checking now and after each of the emitter's `events`; rejects
 * after `timeoutMs` (default 10 s) naming what it waited for.
 */
export function waitForEvents(
  emitter: EventEmitter,
  events: readonly string[],
  predicate: () => boolean,
  options: WaitForOptions = {},
): Promise<void> {
  if (predicate()) return Promise.resolve();
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(`timed out after ${timeoutMs} ms waiting for ${options.description ?? 'a condition'}`),
      );
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      for (const event of events) emitter.off(event, check);
    };
    for (const event of events) emitter.on(event, check);
  });
}
