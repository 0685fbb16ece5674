import { BadRequest, type Answer, booleanParam, listParam, stringParam } from './http.js';
import { randomToken } from './model.js';
import { runnerPayload, runnerSummary } from './payloads.js';
import type { SimulatorStore } from './state.js';

// Runner management as doc/api/users.md (POST /user/runners) and doc/api/runners.md describe it.

/** GitLab's app/models/ci/runner.rb: `maximum_timeout` needs to be at least 10 minutes (600 s). */
function timeoutProblem(timeout: string | undefined): string | undefined {
  if (timeout === undefined || timeout === '') return undefined;
  const seconds = Number(timeout);
  return Number.isInteger(seconds) && seconds >= 600 ? undefined : 'needs to be at least 10 minutes';
}

function tagProblem(tags: string[], runUntagged: boolean): string | undefined {
  return tags.length === 0 && !runUntagged
    ? 'can not be empty when runner is not allowed to pick untagged jobs'
    : undefined;
}

/** `POST /user/runners`: only project runners; instance and group runners need an admin (403). */
export function createRunner(store: SimulatorStore, body: Record<string, unknown>, answer: Answer): void {
  const type = stringParam(body, 'runner_type');
  if (!type) throw new BadRequest('runner_type is missing');
  if (type !== 'project_type') {
    if (type === 'instance_type' || type === 'group_type') answer(403, { message: '403 Forbidden' });
    else throw new BadRequest('runner_type does not have a valid value');
    return;
  }
  const projectId = stringParam(body, 'project_id');
  if (!projectId) throw new BadRequest('project_id is missing');
  const project = store.project(projectId);
  if (!project) {
    answer(404, { message: '404 Project Not Found' });
    return;
  }
  const tags = listParam(body, 'tag_list') ?? [];
  const runUntagged = booleanParam(body, 'run_untagged') ?? true;
  const problem = tagProblem(tags, runUntagged);
  if (problem) {
    answer(400, { message: { tags_list: [problem] } });
    return;
  }
  const accessLevel = stringParam(body, 'access_level') ?? 'not_protected';
  if (accessLevel !== 'not_protected' && accessLevel !== 'ref_protected') {
    throw new BadRequest('access_level does not have a valid value');
  }
  const timeout = stringParam(body, 'maximum_timeout');
  const tooShort = timeoutProblem(timeout);
  if (tooShort) {
    answer(400, { message: { maximum_timeout: [tooShort] } });
    return;
  }
  const runner = store.newRunner({
    projectId: project.id,
    description: stringParam(body, 'description') ?? '',
    tags,
    runUntagged,
    locked: booleanParam(body, 'locked') ?? false,
    paused: booleanParam(body, 'paused') ?? false,
    accessLevel,
    maximumTimeout: timeout ? Number(timeout) : null,
  });
  answer(201, {
    id: runner.id,
    token: runner.token,
    token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null,
  });
  store.changed();
}

/** `PUT /runners/:id`: changes what the body names; `active` is the old name of `!paused`. */
export function updateRunner(
  store: SimulatorStore,
  id: number,
  body: Record<string, unknown>,
  answer: Answer,
): void {
  const runner = store.runners.get(id);
  if (!runner) {
    answer(404, { message: '404 Runner Not Found' });
    return;
  }
  const tags = listParam(body, 'tag_list') ?? runner.tags;
  const runUntagged = booleanParam(body, 'run_untagged') ?? runner.runUntagged;
  const problem = tagProblem(tags, runUntagged);
  if (problem) {
    answer(400, { message: { tags_list: [problem] } });
    return;
  }
  const timeout = stringParam(body, 'maximum_timeout');
  const tooShort = timeoutProblem(timeout);
  if (tooShort) {
    answer(400, { message: { maximum_timeout: [tooShort] } });
    return;
  }
  runner.tags = tags;
  runner.runUntagged = runUntagged;
  runner.description = stringParam(body, 'description') ?? runner.description;
  runner.locked = booleanParam(body, 'locked') ?? runner.locked;
  const active = booleanParam(body, 'active');
  runner.paused = booleanParam(body, 'paused') ?? (active === undefined ? runner.paused : !active);
  if (timeout !== undefined) runner.maximumTimeout = Number(timeout);
  const accessLevel = stringParam(body, 'access_level');
  if (accessLevel === 'not_protected' || accessLevel === 'ref_protected') runner.accessLevel = accessLevel;
  answer(200, runnerPayload(runner, store.projects.get(runner.projectId)));
  store.changed();
}

export function showRunner(store: SimulatorStore, id: number, answer: Answer): void {
  const runner = store.runners.get(id);
  if (!runner) answer(404, { message: '404 Runner Not Found' });
  else answer(200, runnerPayload(runner, store.projects.get(runner.projectId)));
}

export function deleteRunner(store: SimulatorStore, id: number, answer: Answer): void {
  if (!store.runners.delete(id)) answer(404, { message: '404 Runner Not Found' });
  else {
    answer(204, undefined);
    store.changed();
  }
}

/** `POST /runners/verify`: 200 with the runner's id and token expiry, 403 for an unknown or expired token. */
export function verifyRunner(store: SimulatorStore, body: Record<string, unknown>, answer: Answer): void {
  const runner = store.runnerByToken(body.token);
  if (!runner) {
    answer(403, { message: '403 Forbidden' });
    return;
  }
  // `post '/verify'` runs `authenticate_runner!`, whose `current_runner.heartbeat` sets contacted_at
  // (lib/api/ci/runner.rb, lib/api/ci/helpers/runner.rb, gitlabhq master 2025).
  runner.contactedAt = store.now();
  store.changed();
  answer(200, {
    id: runner.id,
    token: runner.token,
    token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null,
  });
}

/** `POST /runners/:id/reset_authentication_token`: a new token; the old one stops working at once. */
export function resetRunnerToken(store: SimulatorStore, id: number, answer: Answer): void {
  const runner = store.runners.get(id);
  if (!runner) {
    answer(404, { message: '404 Runner Not Found' });
    return;
  }
  const now = new Date();
  runner.token = randomToken('glrt-');
  runner.tokenObtainedAt = now;
  runner.tokenExpiresAt = store.tokenExpiry(now);
  answer(201, { token: runner.token, token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null });
  store.changed();
}

const runnerTypes: ReadonlySet<string> = new Set(['instance_type', 'group_type', 'project_type']);

/**
 * `GET /projects/:id/runners` (doc/api/runners.md, "List project's runners"): the project's runners, oldest
 * first, as summaries (id, description, status; no tags), filtered by `type`, in offset pages with
 * `x-next-page` and `Link` headers. The simulator has project runners only.
 */
export function listProjectRunners(
  store: SimulatorStore,
  idOrPath: string,
  url: URL,
  webBase: string,
  answer: Answer,
): void {
  const project = store.project(idOrPath);
  if (!project) {
    answer(404, { message: '404 Project Not Found' });
    return;
  }
  const query = url.searchParams;
  const type = query.get('type');
  if (type !== null && !runnerTypes.has(type)) throw new BadRequest('type does not have a valid value');
  const all = [...store.runners.values()].filter(
    (r) => r.projectId === project.id && (type === null || type === 'project_type'),
  );
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page')) || 20));
  const page = Math.max(1, Number(query.get('page')) || 1);
  const hasNext = page * perPage < all.length;
  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': hasNext ? String(page + 1) : '',
    'x-total': String(all.length),
  };
  if (hasNext) {
    const next = new URLSearchParams(query);
    next.set('page', String(page + 1));
    headers.link = `<${webBase}${url.pathname}?${next}>; rel="next"`;
  }
  answer(200, all.slice((page - 1) * perPage, page * perPage).map(runnerSummary), headers);
}
