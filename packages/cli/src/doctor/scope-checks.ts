import { type GitLabClient, GitLabHttpError } from '@mr/gitlab-api';
import { type Config, configScope } from '@mr/runner-config';
import type { Checklist } from './check.js';
import { newToken } from './gitlab-checks.js';

// What the config covers: the project, each project, or the group, visible to the management token with
// the role that registering runners needs (doc/user/permissions.md: Maintainer of a project for project
// runners; Owner of a group for group runners: GroupRunnerStrategy at gitlabhq commit 017a6c129d checks
// `create_runners`, which app/policies/group_policy.rb grants to the `owner` rule).

/** GitLab's access levels (lib/gitlab/access.rb). */
const MAINTAINER = 40;
const OWNER = 50;

function httpStatus(error: unknown): number | undefined {
  return error instanceof GitLabHttpError ? error.status : undefined;
}

/** The token user's role in a project as `GET /projects/:id` tells it (`permissions`), if it does. */
function projectAccess(project: unknown): number | undefined {
  const permissions = (project as { permissions?: Record<string, { access_level?: unknown } | null> })
    .permissions;
  if (!permissions) return undefined;
  const levels = [permissions.project_access?.access_level, permissions.group_access?.access_level].filter(
    (l): l is number => typeof l === 'number',
  );
  return levels.length > 0 ? Math.max(...levels) : undefined;
}

async function checkOneProject(
  list: Checklist,
  client: GitLabClient,
  ref: string,
  id: string,
  needMaintainer: boolean,
): Promise<boolean> {
  try {
    const project = await client.getProject(ref);
    const path = project.path_with_namespace;
    const access = projectAccess(project);
    if (needMaintainer && access !== undefined && access < MAINTAINER) {
      list.fail(
        id,
        `project ${ref} is visible, but the token’s user is not a Maintainer of it (access level ${access})`,
        `give the token’s user the Maintainer role in ${path ?? ref}: GitLab lets only maintainers register runners and enable them in a project`,
      );
      return false;
    }
    list.ok(id, `project ${ref} is visible (id ${project.id}${path ? `, ${path}` : ''})`);
    return true;
  } catch (error) {
    const status = httpStatus(error);
    list.fail(
      id,
      status === 404
        ? `project ${ref} is not visible to the management token (404)`
        : `cannot read project ${ref}: ${(error as Error).message}`,
      status === 404
        ? 'check the project (the path as in the project’s URL, or its numeric id) and that the token’s user is a Maintainer of it'
        : status === 401
          ? newToken
          : 'see the message; run doctor again with -vv for details',
    );
    return false;
  }
}

async function checkGroup(
  list: Checklist,
  client: GitLabClient,
  group: string,
  includeSubgroups: boolean,
): Promise<boolean> {
  let found: Awaited<ReturnType<GitLabClient['getGroup']>>;
  try {
    found = await client.getGroup(group);
  } catch (error) {
    const status = httpStatus(error);
    list.fail(
      'group',
      status === 404
        ? `group ${group} is not visible to the management token (404)`
        : `cannot read group ${group}: ${(error as Error).message}`,
      status === 404
        ? 'check `group` (the full path as in the group’s URL, or its numeric id) and that the token’s user is an Owner of it'
        : 'see the message; run doctor again with -vv for details',
    );
    return false;
  }
  list.ok('group', `group ${group} is visible (id ${found.id}, ${found.full_path})`);
  try {
    const user = await client.getCurrentUser();
    const member = await client.getGroupMember(found.id, user.id);
    if (member.access_level < OWNER)
      list.fail(
        'group.role',
        `the token’s user ${user.username} is not an Owner of group ${found.full_path} (access level ${member.access_level}), so it cannot register group runners`,
        `give ${user.username} the Owner role in ${found.full_path} (a group access token with the Owner role works too)`,
      );
    else list.ok('group.role', `the token’s user ${user.username} is an Owner of group ${found.full_path}`);
  } catch (error) {
    list.fail(
      'group.role',
      httpStatus(error) === 404
        ? `the token’s user is not a member of group ${found.full_path}, so it cannot register group runners`
        : `cannot read the token user’s role in group ${found.full_path}: ${(error as Error).message}`,
      `make the token’s user an Owner of ${found.full_path}`,
    );
  }
  try {
    const read = await client.groupPendingJobsReader(found.full_path, { includeSubgroups }).read();
    list.ok(
      'group.jobs',
      `the pending jobs of the group’s ${read.projects} project(s)${includeSubgroups ? ', subgroups included,' : ''} can be read (${read.jobs.length} pending now; ${read.pages} GraphQL request(s))`,
    );
  } catch (error) {
    list.fail(
      'group.jobs',
      `cannot read the pending jobs of group ${found.full_path}: ${(error as Error).message}`,
      (error as { hint?: string }).hint ?? 'see the message',
    );
  }
  return true;
}

/** The project, each project, or the group of the config: visible, with the role registering needs. */
export async function checkScope(list: Checklist, client: GitLabClient, config: Config): Promise<void> {
  const scope = configScope(config);
  if (scope.kind === 'project') await checkOneProject(list, client, scope.project, 'project', false);
  else if (scope.kind === 'group') await checkGroup(list, client, scope.group, scope.includeSubgroups);
  else for (const ref of scope.projects) await checkOneProject(list, client, ref, `project.${ref}`, true);
}
