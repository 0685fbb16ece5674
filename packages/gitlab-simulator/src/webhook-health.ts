// GitLab's auto-disabling of failing project webhooks (gitlabhq app/models/concerns/web_hooks/auto_disabling.rb
// and app/services/web_hook_service.rb at 017a6c129d6a9e4ad9fec792cd84f88641d7dbfe; on by default on GitLab.com,
// behind the ops flag auto_disabling_web_hooks on self-managed): every answer that is not 2xx or 3xx, and every
// request that fails, counts as a failure; a success resets the count. After more than 3 failures in a row the
// hook is not called for 1 minute, doubling with each further failure up to a day; after 40 it stays disabled.
// Events that come while a hook is disabled are dropped, not queued.

const GRACE_FAILURES = 3;
const PERMANENT_FAILURES = 40;
const INITIAL_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 86_400_000;

export interface WebhookHealth {
  /** Failures since the last success (GitLab's `recent_failures`). */
  recentFailures: number;
  /** Until when the hook is not called (ms since the epoch); undefined when it is not backed off. */
  disabledUntil: number | undefined;
}

export const healthyWebhook = (): WebhookHealth => ({ recentFailures: 0, disabledUntil: undefined });

/** Whether GitLab calls the hook now. */
export function webhookExecutable(health: WebhookHealth, now: number): boolean {
  if (health.recentFailures >= PERMANENT_FAILURES) return false;
  return health.recentFailures <= GRACE_FAILURES || (health.disabledUntil ?? 0) < now;
}

/** Counts one delivery's outcome: `ok` for a 2xx or 3xx answer. */
export function recordWebhookOutcome(health: WebhookHealth, ok: boolean, now: number): void {
  if (ok) {
    health.recentFailures = 0;
    health.disabledUntil = undefined;
    return;
  }
  if (!webhookExecutable(health, now)) return;
  const before = health.recentFailures;
  health.recentFailures = Math.min(PERMANENT_FAILURES, before + 1);
  if (health.recentFailures > GRACE_FAILURES) {
    const backoff = INITIAL_BACKOFF_MS * 2 ** (before - GRACE_FAILURES);
    health.disabledUntil = now + Math.min(MAX_BACKOFF_MS, Math.max(INITIAL_BACKOFF_MS, backoff));
  }
}
