import { describe, expect, it } from 'vitest';
import { rejection, simulatorClients } from '../test/helpers.js';
import { GitLabResponseError } from './errors.js';

const t = simulatorClients();

describe('answers that would break the caller', () => {
  it('names the endpoint, the field and the job when a job has no tag_list', async () => {
    const body = [
      { id: 7, tag_list: ['a'], status: 'pending', extra: { nested: null }, runner: null },
      { id: 8, status: 'pending', name: 'no tags' },
    ];
    t.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body });
    const error = await rejection(t.client().listPendingJobs(1));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE', fields: ['[1].tag_list'] });
    expect(error.message).toContain('GET /api/v4/projects/1/jobs');
    expect(error.message).toContain('[1].tag_list (id 8)');
  });

  it('rejects a job without an id', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body: [{ tag_list: [] }] });
    const error = await rejection(t.client().listPendingJobs(1));
    expect(error).toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE', fields: ['[0].id'] });
  });

  it('accepts nulls and unknown fields wherever the client does not need them', async () => {
    const body = [
      { id: 9, tag_list: [], name: null, stage: null, pipeline: null, created_at: null, future: [1] },
    ];
    t.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body });
    expect(await t.client().listPendingJobs(1)).toEqual([
      { id: 9, tag_list: [], name: null, stage: null, pipeline: null, created_at: null },
    ]);
  });

  it('rejects an answer that is not JSON', async () => {
    t.sim.inject({
      endpoint: 'GET /projects/:id',
      status: 200,
      body: undefined,
      headers: { 'content-type': 'text/html' },
    });
    t.sim.clearFaults();
    t.sim.inject({ endpoint: 'GET /projects/:id', status: 200, body: '<html>login</html>' });
    // A JSON string body is valid JSON but not a project.
    const error = await rejection(t.client().getProject(1));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error.message).toMatch(/GET \/api\/v4\/projects\/1/);
  });
});
