import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineStatus } from './graphql-execute.js';
import { type GitLabSimulator, startSimulator } from './simulator.js';

let sim: GitLabSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    token: 'glpat-simulatortoken1234',
    groups: [{ path: 'lab' }, { path: 'lab/sub' }],
    projects: [
      { id: 1, path: 'lab/app' },
      { id: 2, path: 'lab/sub/deep' },
      { id: 3, path: 'lab/hidden', role: 'none' },
    ],
  });
});
afterAll(() => sim.close());

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${sim.url}/api/graphql`, {
    method: 'POST',
    headers: { 'private-token': sim.token, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field in the tests
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}

const PROJECTS = `query($path: ID!, $subgroups: Boolean, $after: String) {
  group(fullPath: $path) {
    fullPath
    projects(includeSubgroups: $subgroups, first: 1, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id fullPath
        pending: pipelines(status: PENDING, first: 5) { nodes { jobs(statuses: [PENDING], jobKind: BUILD, first: 50) { nodes { id tags createdAt queuedDuration } } } }
        running: pipelines(status: RUNNING, first: 5) { nodes { jobs(statuses: [PENDING], first: 50) { nodes { id } } } }
        child: pipelines(status: PENDING, source: "parent_pipeline", first: 5) { nodes { jobs(statuses: [PENDING]) { nodes { id } } } }
      }
    }
  }
}`;

describe('POST /api/graphql', () => {
  it('pages through a group’s projects, with or without subgroups, leaving out hidden ones', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = await graphql(PROJECTS, { path: 'lab', subgroups: true, after });
      expect(page.errors).toBeUndefined();
      const projects = page.data.group.projects;
      seen.push(...projects.nodes.map((p: { fullPath: string }) => p.fullPath));
      if (!projects.pageInfo.hasNextPage) break;
      after = projects.pageInfo.endCursor;
    }
    expect(seen).toEqual(['lab/app', 'lab/sub/deep']);
    const flat = await graphql(PROJECTS, { path: 'lab', subgroups: false });
    expect(flat.data.group.projects.nodes.map((p: { fullPath: string }) => p.fullPath)).toEqual(['lab/app']);
    expect((await graphql(PROJECTS, { path: 'nowhere' })).data.group).toBeNull();
  });

  it('finds pending jobs in pending pipelines, running pipelines and child pipelines', async () => {
    const [waiting] = sim.addJobs([{ projectId: 1, tags: ['a', 'b'] }]);
    const [started, next] = sim.addJobs([
      { projectId: 1, tags: [] },
      { projectId: 1, tags: ['c'] },
    ]);
    await fetch(`${sim.url}/api/v4/jobs/request`, { method: 'POST' });
    const runner = sim.addRunner({ projectId: 1, runUntagged: true, tags: [] });
    await fetch(`${sim.url}/api/v4/jobs/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: runner.token }),
    });
    expect(sim.job(started!.id)!.status).toBe('running');
    const [child] = sim.addJobs([{ projectId: 1, tags: ['c'] }], { pipelineSource: 'parent_pipeline' });
    const answer = await graphql(PROJECTS, { path: 'lab' });
    const project = answer.data.group.projects.nodes[0];
    const ids = (connection: { nodes: Array<{ jobs: { nodes: Array<{ id: string }> } }> }) =>
      connection.nodes.flatMap((p) => p.jobs.nodes.map((j) => j.id));
    expect(ids(project.pending)).toEqual([`gid://gitlab/Ci::Build/${waiting!.id}`]);
    expect(ids(project.running)).toEqual([`gid://gitlab/Ci::Build/${next!.id}`]);
    expect(ids(project.child)).toEqual([`gid://gitlab/Ci::Build/${child!.id}`]);
    const job = project.pending.nodes[0].jobs.nodes[0];
    expect(job.tags).toEqual(['a', 'b']);
    expect(Date.parse(job.createdAt)).toBe(sim.job(waiting!.id)!.createdAt.getTime());
    expect(typeof job.queuedDuration).toBe('number');
  });

  it('refuses unknown fields and arguments, bad enums, missing selections and arguments as GitLab does', async () => {
    const errors = async (query: string) =>
      ((await graphql(query, { path: 'lab' })).errors ?? []).map((e) => e.message);
    expect(await errors('query($path: ID!) { group(fullPath: $path) { name } }')).toEqual([
      "Field 'name' doesn't exist on type 'Group'",
    ]);
    expect(
      await errors('query($path: ID!) { group(fullPath: $path) { projects(foo: 1) { count } } }'),
    ).toEqual(["Field 'projects' doesn't accept argument 'foo'"]);
    expect(
      await errors(
        'query($path: ID!) { group(fullPath: $path) { projects { nodes { pipelines(status: WAITING) { count } } } } }',
      ),
    ).toEqual([
      "Argument 'status' on Field 'pipelines' has an invalid value (WAITING). Expected type 'PipelineStatusEnum'.",
    ]);
    expect(await errors('query($path: ID!) { group(fullPath: $path) { projects } }')).toEqual([
      "Field 'projects' of type 'ProjectConnection' must have a selection of subfields. Did you mean 'projects { ... }'?",
    ]);
    expect(await errors('{ group { fullPath } }')).toEqual([
      "Field 'group' is missing required arguments: fullPath",
    ]);
    expect(await errors('query($path: ID!) { group(fullPath: $path) { fullPath { x } } }')).toEqual([
      "Selections can't be made on scalars (field 'fullPath' returns ID but has selections [x])",
    ]);
    expect(await errors('query($path: ID!) { group(fullPath: $path) { ... on Group { id } } }')).toEqual([
      'fragments are not supported',
    ]);
  });

  it('refuses a query above the complexity GitLab allows an authenticated user', async () => {
    const jobs =
      'jobs(statuses: [PENDING], first: 100) { nodes { id name tags createdAt queuedAt queuedDuration status } pageInfo { hasNextPage endCursor } }';
    const pipelines = (alias: string, status: string) =>
      `${alias}: pipelines(status: ${status}, first: 100) { nodes { id ${jobs} } pageInfo { hasNextPage endCursor } }`;
    const query = `query($path: ID!) { group(fullPath: $path) { projects(first: 100) { nodes { id fullPath ${pipelines('a', 'PENDING')} ${pipelines('b', 'RUNNING')} } } } }`;
    const [error] = (await graphql(query, { path: 'lab' })).errors ?? [];
    expect(error?.message).toMatch(/^Query has complexity of \d+, which exceeds max complexity of 250$/);
  });
});

describe('pipelineStatus', () => {
  it.each([
    [['pending'], 'pending'],
    [['pending', 'running'], 'running'],
    [['pending', 'failed'], 'running'],
    [['success'], 'success'],
    [['success', 'canceled'], 'canceled'],
    [['failed', 'success'], 'failed'],
  ] as const)('is %j → %s, as GitLab composes it', (statuses, status) => {
    expect(pipelineStatus(statuses)).toBe(status);
  });
});
