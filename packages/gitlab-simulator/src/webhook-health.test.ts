import { describe, expect, it } from 'vitest';
import { healthyWebhook, recordWebhookOutcome, webhookExecutable } from './webhook-health.js';

describe("GitLab's auto-disabling of failing webhooks", () => {
  it('keeps calling through three failures, backs off from the fourth and doubles the wait', () => {
    const health = healthyWebhook();
    let now = 1_000_000;
    for (let i = 0; i < 3; i++) recordWebhookOutcome(health, false, now);
    expect(webhookExecutable(health, now)).toBe(true);
    recordWebhookOutcome(health, false, now);
    expect(health.disabledUntil! - now).toBe(60_000);
    expect(webhookExecutable(health, now + 59_999)).toBe(false);
    // A failure while disabled is not counted (GitLab does not call the hook then).
    recordWebhookOutcome(health, false, now + 1);
    expect(health.recentFailures).toBe(4);
    now += 60_001;
    expect(webhookExecutable(health, now)).toBe(true);
    recordWebhookOutcome(health, false, now);
    expect(health.disabledUntil! - now).toBe(120_000);
  });

  it('resets on a success and stays disabled after the fortieth failure', () => {
    const health = healthyWebhook();
    let now = 0;
    for (let i = 0; i < 5; i++) recordWebhookOutcome(health, false, now);
    recordWebhookOutcome(health, true, now);
    expect(health).toEqual(healthyWebhook());
    for (let i = 0; i < 40; i++) {
      now = (health.disabledUntil ?? now) + 1;
      recordWebhookOutcome(health, false, now);
    }
    expect(health.recentFailures).toBe(40);
    expect(health.disabledUntil! - now).toBe(86_400_000);
    expect(webhookExecutable(health, now + 10 * 86_400_000)).toBe(false);
  });
});
