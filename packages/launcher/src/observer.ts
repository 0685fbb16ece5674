import type { CycleResult } from './cycle-result.js';
import type { MatchableJob } from './match.js';
import type { LaunchState } from './state.js';

/** How a launch ended for the launcher: its command submitted, failed, or was stopped at shutdown. */
export type LaunchOutcome = 'submitted' | 'failed' | 'interrupted';

/**
 * Watches a launcher without changing what it does (metrics, live views). Every method is optional and is
 * called synchronously; an exception it throws is swallowed, so an observer cannot break a cycle.
 */
export interface LauncherObserver {
  /** The pending jobs a cycle read from GitLab, before matching. */
  pendingJobs?(jobs: readonly MatchableJob[], at: Date): void;
  /** One launch command ended. `jobIds` are the pending jobs it was planned for. */
  launch?(event: {
    instance: string;
    jobIds: readonly number[];
    outcome: LaunchOutcome;
    at: Date;
    code?: string | undefined;
  }): void;
  /** A cycle ended without error; `state` is the launch state after it. */
  cycle?(result: CycleResult, state: Readonly<LaunchState>, at: Date): void;
  /** A cycle failed (GitLab unreachable, state not saved, ...). */
  cycleError?(error: unknown, state: Readonly<LaunchState>, at: Date): void;
}

/** Calls one observer method, never letting its exception reach the launcher. */
export function notify<K extends keyof LauncherObserver>(
  observer: LauncherObserver | undefined,
  method: K,
  ...args: Parameters<NonNullable<LauncherObserver[K]>>
): void {
  const fn = observer?.[method] as ((...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn.apply(observer, args);
  } catch {
    // An observer's failure is not the launcher's.
  }
}
