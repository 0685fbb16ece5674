import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { simulatorClients } from '../test/helpers.js';

const t = simulatorClients({ groups: [{ path: 'lab' }], projects: [{ id: 1, path: 'lab/app' }] });

describe('GitLabClient.graphql', () => {
  it('posts to /api/graphql beside the REST API and checks the data against a schema', async () => {
    const statuses: Array<number | undefined> = [];
    const gitlab = t.client({ onResponse: (_m, status) => statuses.push(status) });
    const data = await gitlab.graphql(
      'query($p: ID!) { group(fullPath: $p) { fullPath } }',
      { p: 'lab' },
      z.object({ group: z.object({ fullPath: z.string() }) }),
    );
    expect(data.group.fullPath).toBe('lab');
    expect(t.sim.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/graphql', status: 200 });
    expect(statuses).toEqual([200]);
    await expect(
      gitlab.graphql(
        'query($p: ID!) { group(fullPath: $p) { fullPath } }',
        { p: 'lab' },
        z.object({ group: z.number() }),
      ),
    ).rejects.toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE' });
  });

  it('retries a 502 like every request, and turns GitLab’s errors into MR_GITLAB_GRAPHQL', async () => {
    const gitlab = t.client();
    t.sim.inject({ endpoint: 'POST /api/graphql', status: 502 });
    const schema = z.object({ group: z.object({ fullPath: z.string() }) });
    await expect(gitlab.graphql('{ group(fullPath: "lab") { fullPath } }', {}, schema)).resolves.toEqual({
      group: { fullPath: 'lab' },
    });
    expect(t.sim.requestCount('POST /api/graphql')).toBeGreaterThanOrEqual(2);
    const error = await gitlab
      .graphql('{ group(fullPath: "lab") { name } }', {}, schema, { operation: 'a test' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MR_GITLAB_GRAPHQL',
      messages: ["Field 'name' doesn't exist on type 'Group'"],
      message: "GitLab refused the GraphQL query (a test): Field 'name' doesn't exist on type 'Group'",
    });
  });

  it('finds the GraphQL endpoint below a path prefix', async () => {
    const { graphqlPath } = await import('./graphql.js');
    const { Transport } = await import('./transport.js');
    const transport = new Transport({ baseUrl: 'https://example.org/gitlab', token: 'x' });
    expect(graphqlPath(transport)).toBe('/gitlab/api/graphql');
    await transport.close();
  });
});
