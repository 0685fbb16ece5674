import type { JobStatus, SimJob } from './model.js';
import type { SimulatorStore } from './state.js';
import {
  healthyWebhook,
  recordWebhookOutcome,
  type WebhookHealth,
  webhookExecutable,
} from './webhook-health.js';
import { deliverJobHook, jobHookPayload, type SimWebhook, type WebhookDelivery } from './webhooks.js';

// When GitLab posts a Job Hook (gitlabhq app/models/ci/build.rb at 0037a527dc6ca0b11b1f98c1aaa68066745ef529:
// `after_create`, `after_transition any => [:pending]` and `pending: :running` call `execute_hooks`;
// app/workers/ci/build_finished_worker.rb at 23246f510cc31a680b6d7bfd43a425230d6dc4e5 calls it when a job
// ends). A job the simulator adds is created and pending at once: two hooks. `canceling` sends none.
const LATER_HOOKS = new Set<JobStatus>(['running', 'success', 'failed', 'canceled']);

/** A project webhook as GitLab sees it (Settings > Webhooks shows the same). */
export interface WebhookStatus {
  url: string;
  /** Failures since the last success. */
  recentFailures: number;
  /** GitLab calls it (not disabled after failures). */
  executable: boolean;
  disabledUntil: Date | undefined;
}

/** The simulator's project webhooks with Job events: which hooks are sent, and how GitLab disables them. */
export class JobHooks {
  readonly #store: SimulatorStore;
  readonly #webBase: string;
  readonly #onDelivery: () => void;
  readonly #hooks: { hook: SimWebhook; health: WebhookHealth }[] = [];
  readonly #deliveries: WebhookDelivery[] = [];
  /** The last status hooked (or seen) per job. */
  readonly #reported = new Map<number, JobStatus>();

  constructor(store: SimulatorStore, webBase: string, onDelivery: () => void) {
    this.#store = store;
    this.#webBase = webBase;
    this.#onDelivery = onDelivery;
  }

  add(hook: SimWebhook): void {
    if (this.#hooks.length === 0)
      for (const job of this.#store.jobs.values()) this.#reported.set(job.id, job.status);
    this.#hooks.push({ hook: { ...hook }, health: healthyWebhook() });
  }

  get deliveries(): readonly WebhookDelivery[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  status(now = Date.now()): WebhookStatus[] {
    return this.#hooks.map(({ hook, health }) => ({
      url: hook.url,
      recentFailures: health.recentFailures,
      executable: webhookExecutable(health, now),
      disabledUntil: health.disabledUntil === undefined ? undefined : new Date(health.disabledUntil),
    }));
  }

  /** New jobs: a hook for their creation, then one for their becoming pending. */
  jobsAdded(jobs: readonly SimJob[]): void {
    for (const job of jobs) {
      this.#reported.set(job.id, job.status);
      this.#send(job, 'created');
      this.#send(job, job.status);
    }
  }

  /** After any change of the store: a hook for every job that started or ended since the last one. */
  changed(): void {
    if (this.#hooks.length === 0) return;
    for (const job of this.#store.jobs.values()) {
      const last = this.#reported.get(job.id);
      if (last === job.status) continue;
      this.#reported.set(job.id, job.status);
      // A job not seen before is one being added: jobsAdded sends its hooks.
      if (last !== undefined && LATER_HOOKS.has(job.status)) this.#send(job, job.status);
    }
  }

  #send(job: SimJob, status: string): void {
    const project = this.#store.projects.get(job.projectId);
    if (!project || this.#hooks.length === 0) return;
    const payload = jobHookPayload(job, project, this.#webBase, status);
    for (const { hook, health } of this.#hooks) {
      const now = Date.now();
      if (!webhookExecutable(health, now)) {
        this.#deliveries.push({
          url: hook.url,
          jobId: job.id,
          buildStatus: status,
          sentAt: now,
          skipped: 'disabled',
        });
        this.#onDelivery();
        continue;
      }
      void deliverJobHook(hook, payload, (delivery) => {
        const ok = delivery.status !== undefined && delivery.status >= 200 && delivery.status < 400;
        recordWebhookOutcome(health, ok, Date.now());
        this.#deliveries.push(delivery);
        this.#onDelivery();
      });
    }
  }
}
