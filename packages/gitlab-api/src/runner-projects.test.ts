import { describe, expect, it } from 'vitest';
import { simulatorClients } from '../test/helpers.js';

const t = simulatorClients({
  groups: [{ path: 'lab' }, { path: 'dev', role: 'maintainer' }],
  projects: [
    { id: 1, path: 'lab/app' },
    { id: 2, path: 'lab/lib' },
    { id: 3, path: 'dev/tool' },
  ],
});

describe('runners of several projects and of groups', () => {
  it('enables a project runner in another project, lists it there and disables it again', async () => {
    const gitlab = t.client();
    const created = await gitlab.createRunner({
      projectId: 1,
      description: 'multi',
      tagList: ['x'],
      runUntagged: false,
      locked: false,
    });
    await gitlab.enableProjectRunner(2, created.id);
    expect((await gitlab.getRunner(created.id)).projects?.map((p) => p.path_with_namespace)).toEqual([
      'lab/app',
      'lab/lib',
    ]);
    expect((await gitlab.listProjectRunners(2, { type: 'project_type' })).map((r) => r.id)).toContain(
      created.id,
    );
    await expect(gitlab.deleteRunner(created.id)).rejects.toMatchObject({ code: 'MR_GITLAB_HTTP_403' });
    await expect(gitlab.disableProjectRunner(1, created.id)).rejects.toMatchObject({
      code: 'MR_GITLAB_HTTP_403',
    });
    await gitlab.disableProjectRunner(2, created.id);
    await gitlab.deleteRunner(created.id);
  });

  it('registers a group runner, lists it for the group, and reads groups, the user and its role', async () => {
    const gitlab = t.client();
    const group = await gitlab.getGroup('lab');
    const created = await gitlab.createRunner({
      groupId: group.id,
      description: 'g',
      tagList: ['y'],
      runUntagged: false,
    });
    expect(t.sim.runner(created.id)).toMatchObject({ runnerType: 'group_type', groupId: group.id });
    const listed = await gitlab.listGroupRunners(group.id, { type: 'group_type' });
    expect(listed.map((r) => [r.id, r.runner_type])).toEqual([[created.id, 'group_type']]);
    const user = await gitlab.getCurrentUser();
    expect((await gitlab.getGroupMember('lab', user.id)).access_level).toBe(50);
    expect((await gitlab.getGroupMember('dev', user.id)).access_level).toBe(40);
    const dev = await gitlab.getGroup('dev');
    await expect(
      gitlab.createRunner({ groupId: dev.id, description: 'g', tagList: ['y'], runUntagged: false }),
    ).rejects.toMatchObject({ code: 'MR_GITLAB_HTTP_403' });
    await expect(gitlab.getGroup('no/such')).rejects.toMatchObject({ code: 'MR_GITLAB_HTTP_404' });
  });
});
