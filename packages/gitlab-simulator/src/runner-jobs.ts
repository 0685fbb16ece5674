import type { IncomingMessage } from 'node:http';
import { type Answer, BadRequest, stringParam } from './http.js';
import { randomToken, runnerCanTake, type SimJob } from './model.js';
import { runnerJobPayload } from './payloads.js';
import type { SimulatorStore } from './state.js';

// The runner side of the job queue: what gitlab-runner calls with its runner token or a job token.

/** `POST /jobs/request`: the oldest pending job the runner may take (201), or 204 when there is none. */
export function requestJob(
  store: SimulatorStore,
  body: Record<string, unknown>,
  serverUrl: string,
  answer: Answer,
): void {
  const runner = store.runnerByToken(body.token);
  if (!runner) {
    answer(403, { message: '403 Forbidden' });
    return;
  }
  runner.contactedAt = new Date();
  if (typeof body.system_id === 'string') runner.systemId = body.system_id;
  const project = store.projects.get(runner.projectId);
  let job: SimJob | undefined;
  // Runners take the oldest job they can.
  for (const candidate of store.jobs.values()) {
    if (candidate.status === 'pending' && runnerCanTake(runner, candidate)) {
      job = candidate;
      break;
    }
  }
  if (!job || !project) {
    answer(204, undefined, { 'x-gitlab-last-update': String(Date.now()) });
    store.changed();
    return;
  }
  job.status = 'running';
  job.runnerId = runner.id;
  job.token = randomToken('glcbt-');
  job.startedAt = new Date();
  answer(201, runnerJobPayload(job, project, runner, serverUrl, Date.now()));
  store.changed();
}

function jobForToken(store: SimulatorStore, id: number, token: unknown): SimJob | 'missing' | 'forbidden' {
  const job = store.jobs.get(id);
  if (!job) return 'missing';
  if (typeof token !== 'string' || job.token === null || token !== job.token) return 'forbidden';
  return job;
}

/** `PUT /jobs/:id`: the runner reports the job's state; success or failed ends a running job. */
export function updateJob(
  store: SimulatorStore,
  id: number,
  request: IncomingMessage,
  body: Record<string, unknown>,
  answer: Answer,
): void {
  const job = jobForToken(store, id, body.token ?? request.headers['job-token']);
  if (job === 'missing') answer(404, { message: '404 Not found' });
  else if (job === 'forbidden') answer(403, { message: '403 Forbidden' });
  else {
    const state = stringParam(body, 'state');
    if (state && state !== 'running' && state !== 'success' && state !== 'failed') {
      throw new BadRequest('state does not have a valid value');
    }
    if (job.status === 'running' && (state === 'success' || state === 'failed')) {
      store.finish(
        job,
        state,
        state === 'failed' ? (stringParam(body, 'failure_reason') ?? 'script_failure') : null,
      );
    }
    answer(200, undefined, { 'job-status': job.status });
  }
}

/** `PATCH /jobs/:id/trace`: appends a piece of the job's log. */
export async function appendTrace(
  store: SimulatorStore,
  id: number,
  request: IncomingMessage,
  answer: Answer,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const job = jobForToken(store, id, request.headers['job-token']);
  if (job === 'missing') answer(404, { message: '404 Not found' });
  else if (job === 'forbidden') answer(403, { message: '403 Forbidden' });
  else {
    job.trace += Buffer.concat(chunks).toString('utf8');
    answer(202, undefined, {
      'job-status': job.status,
      range: `0-${Buffer.byteLength(job.trace)}`,
      'x-gitlab-trace-update-interval': '3',
    });
  }
}
