import type { IncomingMessage } from 'node:http';
import { type Answer, BadRequest, readRawBody, stringParam } from './http.js';
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
  headOf: (projectPath: string) => string,
): void {
  const runner = store.runnerByToken(body.token);
  if (!runner) {
    answer(403, { message: '403 Forbidden' });
    return;
  }
  runner.contactedAt = store.now();
  if (typeof body.system_id === 'string') runner.systemId = body.system_id;
  const covered = store.runnerProjects(runner);
  let job: SimJob | undefined;
  // Runners take the oldest job they can, from any project they cover (a group runner: every project of
  // its group and subgroups).
  for (const candidate of store.jobs.values()) {
    if (candidate.status === 'pending' && runnerCanTake(runner, candidate, covered)) {
      job = candidate;
      break;
    }
  }
  const project = job ? store.projects.get(job.projectId) : undefined;
  if (!job || !project) {
    answer(204, undefined, { 'x-gitlab-last-update': String(Date.now()) });
    store.changed();
    return;
  }
  // The job builds the commit the project's repository has now (served over git smart HTTP).
  job.sha = headOf(project.path);
  job.status = 'running';
  job.runnerId = runner.id;
  job.token = randomToken('glcbt-');
  job.startedAt = new Date();
  answer(201, runnerJobPayload(job, project, runner, serverUrl, Date.now()));
  store.changed();
}

/** The job whose job token `token` is; else answers 404 (no such job) or 403 (another token). */
function jobForToken(store: SimulatorStore, id: number, token: unknown, answer: Answer): SimJob | undefined {
  const job = store.jobs.get(id);
  if (!job) answer(404, { message: '404 Not found' });
  else if (typeof token !== 'string' || job.token === null || token !== job.token)
    answer(403, { message: '403 Forbidden' });
  else return job;
  return undefined;
}

/** `PUT /jobs/:id`: the runner reports the job's state; success or failed ends a running job. */
export function updateJob(
  store: SimulatorStore,
  id: number,
  request: IncomingMessage,
  body: Record<string, unknown>,
  answer: Answer,
): void {
  const job = jobForToken(store, id, body.token ?? request.headers['job-token'], answer);
  if (job) {
    const state = stringParam(body, 'state');
    if (state && state !== 'running' && state !== 'success' && state !== 'failed') {
      throw new BadRequest('state does not have a valid value');
    }
    const exitCode = Number(stringParam(body, 'exit_code'));
    if (state === 'failed' && Number.isInteger(exitCode)) job.exitCode = exitCode;
    if (job.status === 'canceling' && (state === 'success' || state === 'failed')) {
      // The runner has stopped a job the user cancelled: it is canceled now, whatever the runner says.
      store.finish(job, 'canceled', null);
    } else if (job.status === 'running' && (state === 'success' || state === 'failed')) {
      // allow_failure: exit_codes (doc/ci/yaml: a failure with a listed code is a warning only).
      job.allowedToFail = state === 'failed' && job.allowFailureExitCodes.includes(job.exitCode ?? -1);
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
  const body = await readRawBody(request);
  const job = jobForToken(store, id, request.headers['job-token'], answer);
  if (job) {
    // GitLab's trace chunks: a patch must start where the log ends (Content-Range `start-end`), else
    // 416 with `Range: 0-<length>` tells the runner where to continue.
    const length = Buffer.byteLength(job.trace);
    const range = /^(\d+)-(\d+)$/.exec(String(request.headers['content-range'] ?? ''));
    const headers = {
      'job-status': job.status,
      'x-gitlab-trace-update-interval': '3',
    };
    if (range && Number(range[1]) !== length) {
      answer(416, undefined, { ...headers, range: `0-${length}` });
      return;
    }
    if (job.status === 'running' || job.status === 'canceling') {
      job.trace += body.toString('utf8');
      store.changed();
    }
    answer(202, undefined, { ...headers, range: `0-${Buffer.byteLength(job.trace)}` });
  }
}

/** `POST /jobs/:id/artifacts`: a multipart upload (`file`) with the job token; stored for tests and demo. */
export async function uploadArtifacts(
  store: SimulatorStore,
  id: number,
  request: IncomingMessage,
  url: URL,
  answer: Answer,
): Promise<void> {
  const body = await readRawBody(request);
  const job = jobForToken(store, id, request.headers['job-token'], answer);
  if (job) {
    let form: FormData;
    try {
      form = await new Response(body, {
        headers: { 'content-type': String(request.headers['content-type'] ?? '') },
      }).formData();
    } catch {
      throw new BadRequest('file is missing');
    }
    const file = form.get('file');
    if (!file || typeof file === 'string') throw new BadRequest('file is missing');
    job.uploadedArtifacts.push({
      fileName: file.name,
      format: url.searchParams.get('artifact_format') ?? 'zip',
      type: url.searchParams.get('artifact_type') ?? 'archive',
      data: Buffer.from(await file.arrayBuffer()),
    });
    store.changed();
    answer(201, {});
  }
}

/**
 * Whether an `Authorization: Basic` header carries a job token good for cloning a project: user
 * `gitlab-ci-token`, password the token of a running job of that project (GitLab's CI job token).
 */
export function jobTokenMayClone(
  store: SimulatorStore,
  projectPath: string,
  authorization: unknown,
): boolean {
  if (typeof authorization !== 'string' || !authorization.startsWith('Basic ')) return false;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  if (at < 0 || decoded.slice(0, at) !== 'gitlab-ci-token') return false;
  const token = decoded.slice(at + 1);
  for (const job of store.jobs.values()) {
    if (job.token !== token || (job.status !== 'running' && job.status !== 'canceling')) continue;
    return store.projects.get(job.projectId)?.path === projectPath;
  }
  return false;
}
