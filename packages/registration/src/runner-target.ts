import {
  type CreatedRunner,
  type CreateRunnerParams,
  type GitLabClient,
  GitLabHttpError,
  isNotFound,
} from '@mr/gitlab-api';
import type { Logger } from '@mr/logger';
import { RegistrationError } from './errors.js';
import { type Config, configScope } from '@mr/runner-config';

// Where the runners of a config are registered in GitLab, and the few operations that differ between one
// project, several projects and a group (doc/api/users.md "Create a runner", doc/api/runners.md).

/** A project as GitLab knows it: numeric id and full path. */
export interface ProjectRef {
  id: number;
  path: string;
}

/**
 * The place of a config's runners: one project (a project runner locked to it, as the original did);
 * several projects (one project runner per instance, created in the first and enabled in the others, so
 * not locked); or a group (one group runner per instance, which GitLab gives the jobs of every project of
 * the group and its subgroups).
 */
export type RunnerTarget =
  | { kind: 'project'; project: ProjectRef }
  | { kind: 'projects'; projects: ProjectRef[] }
  | { kind: 'group'; group: { id: number; path: string } };

/** Reads the project(s) or the group of a config from GitLab (one request each). */
export async function resolveTarget(
  client: GitLabClient,
  config: Config,
  signal?: AbortSignal,
): Promise<RunnerTarget> {
  const scope = configScope(config);
  const project = async (idOrPath: string): Promise<ProjectRef> => {
    const p = await client.getProject(idOrPath, { signal });
    return { id: p.id, path: p.path_with_namespace ?? idOrPath };
  };
  if (scope.kind === 'project') return { kind: 'project', project: await project(scope.project) };
  if (scope.kind === 'group') {
    const group = await client.getGroup(scope.group, { signal });
    return { kind: 'group', group: { id: group.id, path: group.full_path } };
  }
  const projects: ProjectRef[] = [];
  // In the order of the file: the first one is where new runners are created.
  for (const ref of scope.projects) {
    const found = await project(ref);
    if (!projects.some((p) => p.id === found.id)) projects.push(found);
  }
  return { kind: 'projects', projects };
}

/** The runner type a target registers. */
export function runnerTypeOf(target: RunnerTarget): 'project_type' | 'group_type' {
  return target.kind === 'group' ? 'group_type' : 'project_type';
}

/** The target in words: `project a/b`, `projects a/b, c/d`, `group g`. */
export function describeTarget(target: RunnerTarget): string {
  if (target.kind === 'project') return `project ${target.project.path}`;
  if (target.kind === 'projects') return `projects ${target.projects.map((p) => p.path).join(', ')}`;
  return `group ${target.group.path}`;
}

/** `createRunner` parameters for a target: where the runner goes and whether it is locked to its project. */
export function ownerParams(
  target: RunnerTarget,
): Pick<CreateRunnerParams, 'projectId' | 'groupId' | 'locked'> {
  if (target.kind === 'group') return { groupId: target.group.id };
  if (target.kind === 'project') return { projectId: target.project.id, locked: true };
  // GitLab refuses to enable a locked runner in another project ("Runner is locked").
  return { projectId: target.projects[0]!.id, locked: false };
}

/**
 * `POST /user/runners` for a target. The caller stores the token, then calls {@link syncProjects}. GitLab's
 * 403 for a group runner means the token's user is not an Owner of the group: `MR_CONFIGURE_GROUP_ROLE`.
 */
export async function createRunnerFor(
  client: GitLabClient,
  target: RunnerTarget,
  params: Omit<CreateRunnerParams, 'projectId' | 'groupId' | 'locked'>,
  signal: AbortSignal,
): Promise<CreatedRunner> {
  try {
    return await client.createRunner({ ...params, ...ownerParams(target) }, { signal });
  } catch (error) {
    if (target.kind === 'group' && isForbidden(error))
      throw new RegistrationError(
        'MR_CONFIGURE_GROUP_ROLE',
        `GitLab refuses to register a group runner in group ${target.group.path} (403): the token's user is not an Owner of the group`,
        {
          hint: `give the token's user the Owner role in ${target.group.path} (or use a group access token with the Owner role and the create_runner scope); \`gitlab-meta-runner doctor\` checks it`,
          cause: error,
        },
      );
    throw error;
  }
}

/** What {@link syncProjects} changed. */
export interface ProjectSync {
  enabled: string[];
  disabled: string[];
  /** The runner's owner project is no longer wanted: it must be registered again (GitLab cannot move it). */
  ownerDropped: boolean;
}

const isForbidden = (error: unknown) => error instanceof GitLabHttpError && error.status === 403;

/**
 * Makes a project runner serve exactly the target's projects: enables it where it is missing
 * (`POST /projects/:id/runners`) and disables it where it is not wanted (`DELETE /projects/:id/runners/:id`).
 * `current` are the runner's projects as GitLab listed them (from `PUT` or `GET /runners/:id`). GitLab
 * refuses to leave the owner project ("delete the runner instead"): then `ownerDropped` is true.
 */
export async function syncProjects(
  client: GitLabClient,
  target: Extract<RunnerTarget, { kind: 'projects' }>,
  runnerId: number,
  current: readonly ProjectRef[],
  signal: AbortSignal,
): Promise<ProjectSync> {
  const result: ProjectSync = { enabled: [], disabled: [], ownerDropped: false };
  const have = new Set(current.map((p) => p.id));
  const want = new Set(target.projects.map((p) => p.id));
  for (const project of target.projects) {
    if (have.has(project.id)) continue;
    await client.enableProjectRunner(project.id, runnerId, { signal });
    result.enabled.push(project.path);
  }
  for (const project of current) {
    if (want.has(project.id)) continue;
    try {
      await client.disableProjectRunner(project.id, runnerId, { signal });
      result.disabled.push(project.path);
    } catch (error) {
      if (isNotFound(error)) continue;
      if (
        isForbidden(error) &&
        /owner project|only one project/i.test((error as GitLabHttpError).gitlabMessage ?? '')
      ) {
        result.ownerDropped = true;
        continue;
      }
      throw error;
    }
  }
  return result;
}

/**
 * Deletes a runner (`DELETE /runners/:id`; 404: already gone). GitLab lets no one but an administrator
 * delete a project runner of more than one project ("Runner associated with more than one project",
 * lib/api/ci/runners.rb): it is disabled in every project it can leave first (all but its owner), then
 * deleted.
 */
export async function removeRunner(
  client: GitLabClient,
  id: number,
  signal: AbortSignal | undefined,
  logger?: Logger,
): Promise<void> {
  try {
    await client.deleteRunner(id, { signal });
    return;
  } catch (error) {
    if (isNotFound(error)) return;
    if (!isForbidden(error)) throw error;
  }
  const details = await client.getRunner(id, { signal });
  for (const project of details.projects ?? []) {
    try {
      await client.disableProjectRunner(project.id, id, { signal });
    } catch (error) {
      // The owner project refuses (403); a project it left meanwhile answers 404.
      if (!isForbidden(error) && !isNotFound(error)) throw error;
    }
  }
  logger?.verbose('disabled the runner in its other projects before deleting it', { runner: id });
  try {
    await client.deleteRunner(id, { signal });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
