import { redactText as redact } from '@mr/node-kit/redact';
import type { CycleResult } from './cycle-result.js';
import type { CycleTrigger } from './cycle-trigger.js';
import { LauncherError } from './errors.js';
import { youngestLaunchAge } from './in-flight.js';
import type { LauncherCore } from './launcher-core.js';
import { type PaceSettings, PollPacer, type RateLimitSnapshot } from './poll-pace.js';

/** How {@link Launcher.run} polls. */
export interface RunOptions {
  intervalMs: number;
  signal: AbortSignal;
  /** `[poll] adaptive` and `fast_interval`; default a fixed `intervalMs`. */
  pace?: Partial<Omit<PaceSettings, 'intervalMs'>> | undefined;
  /** GitLab's latest RateLimit-* headers (the client's `rateLimit()`). */
  rateLimit?: (() => RateLimitSnapshot | undefined) | undefined;
  beforeCycle?: (signal: AbortSignal) => Promise<void>;
  onCycle?: (result: CycleResult) => void;
}

/**
 * Runs cycles until `signal` fires: one cycle, then a wait until `intervalMs` after its start (at once when
 * it took longer), cut short by a hint of `trigger`. A failed cycle is logged and the next one runs on time.
 * `beforeCycle` runs first in every cycle (token rotation); its errors are logged too.
 */
export async function pollLoop(
  core: LauncherCore,
  trigger: CycleTrigger,
  cycle: (signal: AbortSignal) => Promise<CycleResult>,
  options: RunOptions,
): Promise<void> {
  const { signal } = options;
  const pacer = new PollPacer({
    intervalMs: options.intervalMs,
    adaptive: options.pace?.adaptive ?? false,
    fastMs: options.pace?.fastMs ?? options.intervalMs,
  });
  let seen = new Set<number>();
  while (!signal.aborted) {
    const lockLost = core.lockLost();
    if (lockLost) throw new LauncherError('MR_LAUNCH_LOCK_LOST', `The launcher lock was lost: ${lockLost}`);
    const started = Date.now();
    if (options.beforeCycle) {
      try {
        await options.beforeCycle(signal);
      } catch (error) {
        if (!signal.aborted) logError(core, error);
      }
    }
    if (signal.aborted) break;
    let result: CycleResult | undefined;
    try {
      result = await cycle(signal);
      options.onCycle?.(result);
    } catch (error) {
      if ((error as LauncherError).code === 'MR_LAUNCH_LOCK_LOST') throw error;
      if (!signal.aborted) logError(core, error);
    }
    const matched = result?.matchedJobIds ?? [];
    const next = pacer.next({
      launched: result?.launched ?? 0,
      deferred: result?.deferred ?? 0,
      newMatched: matched.filter((id) => !seen.has(id)).length,
      matchedPending: matched.length,
      inFlightForMs: youngestLaunchAge(core.state, core.now()),
      failed: result === undefined,
      rateLimit: options.rateLimit?.(),
      now: new Date(),
    });
    if (result) seen = new Set(matched);
    core.logger.verbose('next poll', { in_s: next.delayMs / 1000, reason: next.reason });
    // The wait ends early when the signal aborts (the loop then ends) or a hint asks for a cycle.
    const hints = await trigger.wait(Math.max(0, next.delayMs - (Date.now() - started)), signal);
    if (hints.length > 0 && !signal.aborted)
      core.logger.info(`cycle now: ${hints[0]}`, hints.length > 1 ? { coalesced: hints.length } : {});
  }
}

/** Logs a failed cycle (or `beforeCycle`) with its code and details, secrets redacted. */
function logError(core: LauncherCore, error: unknown): void {
  const e = error as Partial<LauncherError>;
  core.logger.error(redact(e.message ?? String(error), core.secrets), { code: e.code });
  if (Array.isArray(e.details))
    for (const d of e.details) core.logger.error(`  ${redact(String(d), core.secrets)}`);
}
