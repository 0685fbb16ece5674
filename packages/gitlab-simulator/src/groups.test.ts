import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';

let sim: GitLabSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    token: 'glpat-simulatortoken1234',
    groups: [{ path: 'lab' }, { path: 'lab/sub' }, { path: 'other', role: 'maintainer' }],
    projects: [
      { id: 1, path: 'lab/app' },
      { id: 2, path: 'lab/sub/deep' },
      { id: 3, path: 'other/tool' },
      { id: 4, path: 'solo/one' },
    ],
  });
});
afterAll(() => sim.close());

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sim.url}/api/v4${path}`, {
    method,
    headers: { 'private-token': sim.token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function runnerRequest(token: string) {
  return api('POST', '/jobs/request', { token, info: {} });
}

describe('groups', () => {
  it('shows a group by path or id, with its parent, and hides one the user has no role in', async () => {
    const sub = await api('GET', `/groups/${encodeURIComponent('lab/sub')}`);
    expect(sub.status).toBe(200);
    const lab = sim.groups.find((g) => g.path === 'lab')!;
    expect(sub.body).toMatchObject({ full_path: 'lab/sub', path: 'sub', parent_id: lab.id });
    expect((await api('GET', `/groups/${lab.id}`)).body.full_path).toBe('lab');
    const hidden = sim.addGroup({ path: 'secret', role: 'none' });
    expect((await api('GET', `/groups/${hidden.id}`)).status).toBe(404);
  });

  it('tells the access level of the user in a group and in a project', async () => {
    const user = (await api('GET', '/user')).body;
    const other = sim.groups.find((g) => g.path === 'other')!;
    expect((await api('GET', `/groups/lab/members/all/${user.id}`)).body.access_level).toBe(50);
    expect((await api('GET', `/groups/${other.id}/members/all/${user.id}`)).body.access_level).toBe(40);
    expect((await api('GET', '/projects/3')).body.permissions.project_access.access_level).toBe(40);
    expect((await api('GET', '/projects/1')).body.permissions.project_access.access_level).toBe(50);
  });
});

describe('group runners', () => {
  it('are created by an owner, listed by the group, and take jobs of every project of the group and its subgroups', async () => {
    const lab = sim.groups.find((g) => g.path === 'lab')!;
    const created = await api('POST', '/user/runners', {
      runner_type: 'group_type',
      group_id: lab.id,
      description: 'group runner',
      tag_list: ['gpu'],
      run_untagged: false,
    });
    expect(created.status).toBe(201);
    const listed = await api('GET', `/groups/lab/runners?type=group_type`);
    expect(listed.body.map((r: { id: number }) => r.id)).toContain(created.body.id);
    expect(listed.body.find((r: { id: number }) => r.id === created.body.id).runner_type).toBe('group_type');
    // The subgroup lists its parent's group runners too, as GitLab's group_or_instance_wide does.
    expect(
      (await api('GET', '/groups/lab%2Fsub/runners?type=group_type')).body.map((r: { id: number }) => r.id),
    ).toContain(created.body.id);

    const [deep] = sim.addJobs([{ projectId: 2, tags: ['gpu'] }]);
    const [elsewhere] = sim.addJobs([{ projectId: 3, tags: ['gpu'] }]);
    const [app] = sim.addJobs([{ projectId: 1, tags: ['gpu'] }]);
    const first = await runnerRequest(created.body.token);
    const second = await runnerRequest(created.body.token);
    expect([first.body.id, second.body.id]).toEqual([deep!.id, app!.id]);
    expect(first.body.job_info.project_id).toBe(2);
    expect((await runnerRequest(created.body.token)).status).toBe(204);
    expect(sim.job(elsewhere!.id)!.status).toBe('pending');
  });

  it('take no job of a project that turned group runners off, until it turns them on again', async () => {
    const lab = sim.groups.find((g) => g.path === 'lab')!;
    const created = await api('POST', '/user/runners', {
      runner_type: 'group_type',
      group_id: lab.id,
      tag_list: ['fpga'],
      run_untagged: false,
    });
    sim.setGroupRunnersEnabled(2, false);
    const [deep] = sim.addJobs([{ projectId: 2, tags: ['fpga'] }]);
    expect((await api('GET', '/projects/2')).body.group_runners_enabled).toBe(false);
    expect((await runnerRequest(created.body.token)).status).toBe(204);
    sim.setGroupRunnersEnabled(2, true);
    expect((await runnerRequest(created.body.token)).body.id).toBe(deep!.id);
  });

  it('are refused to a user who is not an owner of the group', async () => {
    const other = sim.groups.find((g) => g.path === 'other')!;
    const refused = await api('POST', '/user/runners', {
      runner_type: 'group_type',
      group_id: other.id,
      tag_list: ['x'],
    });
    expect(refused.status).toBe(403);
    expect(
      (await api('POST', '/user/runners', { runner_type: 'group_type', group_id: 999_999 })).status,
    ).toBe(404);
  });
});

describe('project runners in several projects', () => {
  it('are enabled in more projects, take their jobs, and list them in their details', async () => {
    const created = await api('POST', '/user/runners', {
      runner_type: 'project_type',
      project_id: 4,
      tag_list: ['multi'],
      run_untagged: false,
      locked: false,
    });
    const id = created.body.id as number;
    expect((await api('POST', '/projects/3/runners', { runner_id: id })).status).toBe(201);
    expect((await api('POST', '/projects/3/runners', { runner_id: id })).status).toBe(400);
    const details = await api('GET', `/runners/${id}`);
    expect(details.body.projects.map((p: { id: number }) => p.id)).toEqual([4, 3]);
    expect(
      (await api('GET', '/projects/3/runners?type=project_type')).body.map((r: { id: number }) => r.id),
    ).toContain(id);
    const [job] = sim.addJobs([{ projectId: 3, tags: ['multi'] }]);
    expect((await runnerRequest(created.body.token)).body.id).toBe(job!.id);

    // GitLab refuses to delete a runner of more than one project, and to leave its owner project.
    expect((await api('DELETE', `/runners/${id}`)).status).toBe(403);
    const owner = await api('DELETE', `/projects/4/runners/${id}`);
    expect(owner.status).toBe(403);
    expect(owner.body.message).toMatch(/owner project/);
    expect((await api('DELETE', `/projects/3/runners/${id}`)).status).toBe(204);
    expect((await api('DELETE', `/projects/3/runners/${id}`)).status).toBe(404);
    expect((await api('DELETE', `/runners/${id}`)).status).toBe(204);
  });

  it('refuse to be enabled elsewhere while locked, and group runners never are', async () => {
    const locked = await api('POST', '/user/runners', {
      runner_type: 'project_type',
      project_id: 4,
      tag_list: ['l'],
      locked: true,
    });
    const refused = await api('POST', '/projects/3/runners', { runner_id: locked.body.id });
    expect(refused).toMatchObject({ status: 403, body: { message: '403 Forbidden - Runner is locked' } });
    const groupRunner = sim.addRunner({ groupId: sim.groups[0]!.id, tags: ['g'] });
    expect((await api('POST', '/projects/3/runners', { runner_id: groupRunner.id })).body.message).toMatch(
      /group runner/,
    );
  });
});
