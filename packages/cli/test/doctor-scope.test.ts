// `gitlab-meta-runner doctor` for configs with `group` and `projects`: the group or every project visible
// with the role registering runners needs, the group's pending jobs readable, the token's scopes; each
// failure it claims to detect, with its fix.
import { describe, expect, it } from 'vitest';
import { doctor, doctorFixture } from './doctor-fixture.js';
import type { LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const simulator = {
  groups: [{ path: 'lab' }, { path: 'lab/sub' }],
  projects: [
    { id: 1, path: 'lab/app' },
    { id: 2, path: 'lab/sub/deep' },
  ],
};

async function setup(scope: string) {
  return harness.closeAfter(await doctorFixture({ scope, simulator }));
}

const labId = (f: LaunchFixture) => f.sim.groups.find((g) => g.path === 'lab')!.id;

describe('doctor with group', () => {
  it('passes: the group is visible, its user an Owner, and its projects’ pending jobs readable', async () => {
    const f = await setup('group = "lab"');
    f.sim.addJobs([{ projectId: 2, tags: ['cpu'] }]);
    const result = await doctor(f);
    expect(result.failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.byId('group').summary).toMatch(/^group lab is visible \(id \d+, lab\)$/);
    expect(result.byId('group.role')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/is an Owner of group lab/),
    });
    expect(result.byId('group.jobs')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(
        /of the group’s 2 project\(s\), subgroups included, can be read \(1 pending now; 1 GraphQL request\(s\)\)/,
      ),
    });
    expect(result.byId('runner.cpu').status).toBe('ok');
  });

  it('fails when the group is not visible to the token', async () => {
    const f = await setup('group = "lab"');
    f.sim.setRole({ groupId: labId(f) }, 'none');
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.byId('group')).toMatchObject({
      status: 'fail',
      summary: 'group lab is not visible to the management token (404)',
      fix: expect.stringMatching(/check `group`/),
    });
  });

  it('fails when the token’s user is not an Owner of the group, which group runners need', async () => {
    const f = await setup('group = "lab"');
    f.sim.setRole({ groupId: labId(f) }, 'maintainer');
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.byId('group.role')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(
        /is not an Owner of group lab \(access level 40\), so it cannot register group runners/,
      ),
      fix: expect.stringMatching(/Owner role in lab/),
    });
  });

  it('fails when GitLab refuses the GraphQL query for the pending jobs (an older GitLab)', async () => {
    const f = await setup('group = "lab"');
    f.sim.inject({
      endpoint: 'POST /api/graphql',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: { errors: [{ message: "Field 'jobKind' doesn't exist on type 'Pipeline'" }] },
    });
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.byId('group.jobs')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/cannot read the pending jobs of group lab: .*jobKind/),
      fix: expect.stringMatching(/GitLab 16\.0/),
    });
  });
});

describe('doctor with projects', () => {
  it('checks every project; fails on one not visible and on one where the user is not a Maintainer', async () => {
    const f = await setup('projects = ["lab/app", "lab/sub/deep"]');
    const ok = await doctor(f);
    expect(ok.failed).toEqual([]);
    expect(ok.byId('project.lab/app').summary).toMatch(/^project lab\/app is visible \(id 1, lab\/app\)$/);
    expect(ok.byId('project.lab/sub/deep').status).toBe('ok');

    f.sim.setRole({ projectId: 1 }, 'developer');
    f.sim.setRole({ projectId: 2 }, 'none');
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.byId('project.lab/app')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(
        /is visible, but the token’s user is not a Maintainer of it \(access level 30\)/,
      ),
    });
    expect(result.byId('project.lab/sub/deep')).toMatchObject({
      status: 'fail',
      summary: 'project lab/sub/deep is not visible to the management token (404)',
    });
  });

  it('fails on a token without the api scope, which enabling runners in more projects needs', async () => {
    const f = await setup('projects = ["lab/app", "lab/sub/deep"]');
    f.sim.accessToken.scopes = ['read_api', 'create_runner', 'manage_runner'];
    const result = await doctor(f);
    expect(result.exitCode).toBe(1);
    expect(result.byId('token.scopes')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(
        /lacks scope\(s\) api \(to enable runners in more projects \(configure\)\)/,
      ),
    });
  });
});
