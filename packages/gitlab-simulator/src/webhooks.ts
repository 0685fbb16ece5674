import type { SimJob, SimProject } from './model.js';

/** A project webhook with Job events enabled. */
export interface SimWebhook {
  url: string;
  /** Sent as `X-Gitlab-Token`. */
  token: string;
}

/** One delivery of a job hook. */
export interface WebhookDelivery {
  url: string;
  jobId: number;
  buildStatus: string;
  /** When the simulator sent it (ms since the epoch, real time). */
  sentAt: number;
  /** The receiver's HTTP status, or the error. */
  status?: number;
  error?: string;
  /** Not sent: GitLab had disabled the hook after failures (webhook-health.ts). */
  skipped?: 'disabled';
}

/**
 * The Job events payload for a job (doc/user/project/integrations/webhook_events.md, "Job events"): the
 * fields a receiver needs and a few more; like GitLab's, it has no runner tags. `status` is the state the
 * hook reports (default the job's own).
 */
export function jobHookPayload(
  job: SimJob,
  project: SimProject,
  webBase: string,
  status: string = job.status,
): Record<string, unknown> {
  return {
    object_kind: 'build',
    ref: job.ref,
    tag: false,
    before_sha: '0000000000000000000000000000000000000000',
    sha: job.sha,
    build_id: job.id,
    build_name: job.name,
    build_stage: job.stage,
    build_status: status,
    build_created_at: job.createdAt.toISOString(),
    build_started_at: job.startedAt?.toISOString() ?? null,
    build_finished_at: job.finishedAt?.toISOString() ?? null,
    build_allow_failure: false,
    pipeline_id: job.pipelineId,
    project_id: project.id,
    project_name: project.path.replace(/\//g, ' / '),
    repository: { name: project.path.split('/').pop(), homepage: `${webBase}/${project.path}` },
  };
}

/** Posts a job hook as GitLab does (`X-Gitlab-Event: Job Hook`, `X-Gitlab-Token`) and records the result. */
export async function deliverJobHook(
  hook: SimWebhook,
  payload: Record<string, unknown>,
  record: (delivery: WebhookDelivery) => void,
): Promise<void> {
  const delivery: WebhookDelivery = {
    url: hook.url,
    jobId: payload.build_id as number,
    buildStatus: payload.build_status as string,
    sentAt: Date.now(),
  };
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Job Hook',
        'x-gitlab-token': hook.token,
        'user-agent': 'GitLab/simulator',
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    delivery.status = response.status;
  } catch (error) {
    delivery.error = (error as Error).message;
  }
  record(delivery);
}
