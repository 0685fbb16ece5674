import { describe, expect, it } from 'vitest';
import { expectNoSecrets, rejection, simulatorClients } from '../test/helpers.js';
import { GitLabHttpError } from './errors.js';

const t = simulatorClients();

describe('projects and jobs', () => {
  it('gets a project by numeric id and by URL-encoded path', async () => {
    const gitlab = t.client();
    expect((await gitlab.getProject(1)).path_with_namespace).toBe('group/project');
    expect((await gitlab.getProject('group/project')).id).toBe(1);
    expect(t.sim.requests.at(-1)!.path).toBe('/api/v4/projects/group%2Fproject');
  });

  it('gets one job with GitLab nulls and extra fields intact', async () => {
    const [job] = t.sim.addJobs([{ tags: ['gpu'], name: 'single' }]);
    const got = await t.client().getJob(1, job!.id);
    expect(got).toMatchObject({
      id: job!.id,
      name: 'single',
      tag_list: ['gpu'],
      status: 'pending',
      started_at: null,
    });
    expect(got.pipeline?.project_id).toBe(1);
  });

  it('sends the access token as PRIVATE-TOKEN, and a wrong one gets a 401 with a hint', async () => {
    const error = await rejection(t.client({ token: 'glpat-wrongwrongwrong' }).getProject(1));
    expect(error).toBeInstanceOf(GitLabHttpError);
    expect(error).toMatchObject({
      status: 401,
      code: 'MR_GITLAB_HTTP_401',
      method: 'GET',
      path: '/api/v4/projects/1',
    });
    expect((error as GitLabHttpError).hint).toMatch(/management_token/);
    expectNoSecrets(error, ['glpat-wrongwrongwrong']);
  });
});
