import { BadRequest, type Answer, booleanParam, listParam, stringParam } from './http.js';
import { randomToken } from './model.js';
import { runnerPayload } from './payloads.js';
import type { SimulatorStore } from './state.js';
import { maintainedProject, visibleGroupOr404 } from './visible.js';

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

/**
 * `POST /user/runners` (doc/api/users.md): a project runner (`project_id`, the token user needs the
 * Maintainer role there) or a group runner (`group_id`, Owner role: Ci::Runners::RunnerCreationStrategies::
 * GroupRunnerStrategy checks `create_runners` on the group, gitlabhq commit 017a6c129d; app/policies/group_policy.rb
 * grants the permission in its `owner` rule, named `create_group_runners` at commit 012f9a4b9e). Instance runners
 * need an administrator (403).
 */
export function createRunner(store: SimulatorStore, body: Record<string, unknown>, answer: Answer): void {
  const type = stringParam(body, 'runner_type');
  if (!type) throw new BadRequest('runner_type is missing');
  if (type !== 'project_type' && type !== 'group_type') {
    if (type === 'instance_type') answer(403, { message: '403 Forbidden' });
    else throw new BadRequest('runner_type does not have a valid value');
    return;
  }
  let owner: { projectId: number; groupId: number | null };
  if (type === 'project_type') {
    const projectId = stringParam(body, 'project_id');
    if (!projectId) throw new BadRequest('project_id is missing');
    const project = maintainedProject(store, projectId, answer);
    if (!project) return;
    owner = { projectId: project.id, groupId: null };
  } else {
    const groupId = stringParam(body, 'group_id');
    if (!groupId) throw new BadRequest('group_id is missing');
    const group = visibleGroupOr404(store, groupId, answer);
    if (!group) return;
    if (group.role !== 'owner') {
      answer(403, { message: '403 Forbidden' });
      return;
    }
    owner = { projectId: 0, groupId: group.id };
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
    runnerType: type,
    ...owner,
    enabledProjectIds: [],
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
  answer(200, runnerPayload(store, runner));
  store.changed();
}

export function showRunner(store: SimulatorStore, id: number, answer: Answer): void {
  const runner = store.runners.get(id);
  if (!runner) answer(404, { message: '404 Runner Not Found' });
  else answer(200, runnerPayload(store, runner));
}

/**
 * `DELETE /runners/:id`. A project runner enabled in more than one project cannot be deleted by anyone but
 * an administrator: "Runner associated with more than one project" (`authenticate_delete_runner!`,
 * lib/api/ci/runners.rb at gitlabhq commit 034daf00b1); it must be unassigned from the other projects first.
 */
export function deleteRunner(store: SimulatorStore, id: number, answer: Answer): void {
  const runner = store.runners.get(id);
  if (!runner) answer(404, { message: '404 Runner Not Found' });
  else if (runner.enabledProjectIds.length > 0)
    answer(403, { message: '403 Forbidden - Runner associated with more than one project' });
  else {
    store.runners.delete(id);
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
  // (lib/api/ci/runner.rb at gitlabhq commit 027f19b39c, lib/api/ci/helpers/runner.rb at 00d1f41541).
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
