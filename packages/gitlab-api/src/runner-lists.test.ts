import { describe, expect, it } from 'vitest';
import { simulatorClients } from '../test/helpers.js';

const t = simulatorClients();

describe('listProjectRunners', () => {
  it('reads every page of the project runners with ids and descriptions, never a token', async () => {
    const gitlab = t.client();
    const added = Array.from({ length: 130 }, (_, i) => t.sim.addRunner({ description: `meta-r${i}` }));
    const listed = await gitlab.listProjectRunners(1, { type: 'project_type' });
    expect(listed.map((r) => [r.id, r.description])).toEqual(added.map((r) => [r.id, r.description]));
    expect(t.sim.requestCount('GET /projects/:id/runners')).toBe(2);
    expect(JSON.stringify(listed)).not.toMatch(/glrt-/);
  });

  it('answers 404 for an unknown project, and an error for a next page that loops', async () => {
    const gitlab = t.client();
    await expect(gitlab.listProjectRunners('no/such')).rejects.toMatchObject({ code: 'MR_GITLAB_HTTP_404' });
    for (let i = 0; i < 3; i++) t.sim.addRunner({ description: `r${i}` });
    t.sim.inject({
      endpoint: 'GET /projects/:id/runners',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: [],
      headers: { 'x-next-page': '1' },
    });
    await expect(gitlab.listProjectRunners(1)).rejects.toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE' });
  });
});
