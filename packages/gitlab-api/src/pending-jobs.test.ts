import { beforeAll, describe, expect, it } from 'vitest';
import { rejection, simulatorClients, startSimulator } from '../test/helpers.js';
import { GitLabClient } from './client.js';
import { GitLabResponseError } from './errors.js';

const t = simulatorClients();

describe('listPendingJobs', () => {
  let project: number;
  let pendingIds: number[];

  beforeAll(() => {
    project = t.sim.addProject({ path: 'hpc/many-jobs' }).id;
    const jobs = t.sim.addJobs(
      Array.from({ length: 250 }, (_, i) => ({ projectId: project, tags: i % 2 ? ['a'] : ['a', 'b'] })),
    );
    // Jobs that are not pending must not be listed.
    t.sim.cancelJob(jobs[0]!.id);
    t.sim.dropJob(jobs[1]!.id);
    pendingIds = jobs.slice(2).map((j) => j.id);
  });

  const sortedIds = (jobs: { id: number }[]) => jobs.map((j) => j.id).sort((a, b) => a - b);

  it.each([
    ['keyset pages (the default)', {}, {}, 3],
    ['offset pages', {}, { pagination: 'offset' as const }, 3],
    ['a server that ignores per_page (7 per page)', { forcePerPage: 7 }, {}, 36],
    ['offset pages announced only by x-next-page', { links: false }, { pagination: 'offset' as const }, 3],
    ['a server without keyset pagination', { keyset: false, forcePerPage: 30 }, {}, 9],
  ])('reads every page: %s', async (_name, pagination, options, pages) => {
    const own = await startSimulator({ token: t.sim.token, pagination });
    try {
      const p = own.addProject({ path: 'x/y' }).id;
      own.addJobs(Array.from({ length: 248 }, () => ({ projectId: p, tags: ['t'] })));
      const gitlab = new GitLabClient({ baseUrl: own.url, token: own.token });
      const jobs = await gitlab.listPendingJobs(p, options);
      await gitlab.close();
      expect(jobs).toHaveLength(248);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(248);
      expect(own.requestCount('GET /projects/:id/jobs')).toBe(pages);
    } finally {
      await own.close();
    }
  });

  it('lists only pending jobs, each once, across pages', async () => {
    const jobs = await t.client().listPendingJobs(project);
    expect(sortedIds(jobs)).toEqual(pendingIds);
    expect(jobs.every((j) => j.status === 'pending')).toBe(true);
  });

  it('asks for 100 per page, keyset by id, scope pending', async () => {
    await t.client().listPendingJobs(project);
    const first = new URL(t.sim.requests.at(-3)!.path, 'http://x');
    expect(first.searchParams.getAll('scope[]')).toEqual(['pending']);
    expect(first.searchParams.get('per_page')).toBe('100');
    expect(first.searchParams.get('pagination')).toBe('keyset');
    expect(first.searchParams.get('order_by')).toBe('id');
  });

  it('follows Link headers naming another host (GitLab behind a proxy) through its own base URL', async () => {
    const own = await startSimulator({ externalUrl: 'https://gitlab.example.invalid' });
    try {
      own.addJobs(Array.from({ length: 150 }, () => ({ tags: ['t'] })));
      const gitlab = new GitLabClient({ baseUrl: own.url, token: own.token });
      expect(await gitlab.listPendingJobs(1)).toHaveLength(150);
      await gitlab.close();
      expect(own.requestCount('GET /projects/:id/jobs')).toBe(2);
    } finally {
      await own.close();
    }
  });

  it('yields page by page from pendingJobPages', async () => {
    const sizes: number[] = [];
    for await (const page of t.client().pendingJobPages(project, { perPage: 100 })) sizes.push(page.length);
    expect(sizes).toEqual([100, 100, 48]);
  });

  it('stops with an error on a next link that points back to a page already read', async () => {
    const loop = `<${t.sim.url}/api/v4/projects/${project}/jobs?page=1>; rel="next"`;
    t.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: [],
      headers: { link: loop },
    });
    const error = await rejection(t.client().listPendingJobs(project, { pagination: 'offset' }));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error.message).toMatch(/points back to a page already read|sends an empty page with a next page/);
  });

  it('stops after one request when a never-ending x-next-page serves empty pages', async () => {
    const before = t.sim.requestCount('GET /projects/:id/jobs');
    t.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: [],
      headers: { 'x-next-page': '7' },
    });
    const error = await rejection(t.client().listPendingJobs(project, { pagination: 'offset' }));
    expect(error.message).toMatch(/sends an empty page with a next page/);
    expect(t.sim.requestCount('GET /projects/:id/jobs') - before).toBe(1);
  });

  it('stops when a never-ending x-next-page serves the same jobs again', async () => {
    const before = t.sim.requestCount('GET /projects/:id/jobs');
    // Every page number answers with the first page (a server that ignores `page`), and says there is more.
    t.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      path: 'page=',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: await (
        await fetch(`${t.sim.url}/api/v4/projects/${project}/jobs?scope[]=pending&per_page=5`, {
          headers: { 'private-token': t.sim.token },
        })
      ).json(),
      headers: { 'x-next-page': '2' },
    });
    const error = await rejection(t.client().listPendingJobs(project, { pagination: 'offset', perPage: 5 }));
    expect(error.message).toMatch(/repeats a page already read/);
    expect(t.sim.requestCount('GET /projects/:id/jobs') - before).toBeLessThanOrEqual(4);
  });
});
