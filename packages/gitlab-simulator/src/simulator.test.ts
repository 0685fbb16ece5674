import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';

let sim: GitLabSimulator;

beforeAll(async () => {
  sim = await startSimulator({ token: 'glpat-simulatortoken1234' });
});
afterEach(() => sim.clearFaults());
afterAll(() => sim.close());

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.url}/api/v4${path}`, {
    method,
    headers: { 'private-token': sim.token, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('the REST API', () => {
  it('listens on 127.0.0.1 and refuses a wrong or missing token with 401', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await api('GET', '/projects/1', undefined, { 'private-token': 'nope' })).status).toBe(401);
    const bearer = await fetch(`${sim.url}/api/v4/projects/1`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(bearer.status).toBe(200);
    expect((await api('GET', '/projects/1')).body).toMatchObject({
      id: 1,
      path_with_namespace: 'group/project',
    });
  });

  it('serves jobs in GitLab shape, nulls included, newest first, filtered by scope', async () => {
    const project = sim.addProject({ path: 'shape/check' });
    const jobs = sim.addJobs([
      { projectId: project.id, tags: ['a'], name: 'one' },
      { projectId: project.id, tags: [], name: 'two' },
    ]);
    sim.cancelJob(jobs[0]!.id);
    const all = await api('GET', `/projects/${project.id}/jobs`);
    expect(all.body.map((j: { id: number }) => j.id)).toEqual([jobs[1]!.id, jobs[0]!.id]);
    const pending = await api('GET', `/projects/${project.id}/jobs?scope[]=pending`);
    expect(pending.body).toHaveLength(1);
    expect(pending.body[0]).toMatchObject({
      id: jobs[1]!.id,
      status: 'pending',
      name: 'two',
      tag_list: [],
      runner: null,
      started_at: null,
      coverage: null,
      pipeline: { id: jobs[1]!.pipelineId, project_id: project.id },
    });
    expect(typeof pending.body[0].queued_duration).toBe('number');
    expect((await api('GET', `/projects/${project.id}/jobs?scope[]=bogus`)).status).toBe(400);
  });

  it('paginates by offset with GitLab headers, leaving totals out above 10,000 jobs', async () => {
    const project = sim.addProject({ path: 'offset/many' });
    sim.addJobs(Array.from({ length: 10_001 }, () => ({ projectId: project.id, tags: ['t'] })));
    const first = await api('GET', `/projects/${project.id}/jobs?per_page=500&page=2`);
    expect(first.body).toHaveLength(100); // per_page is capped at 100
    expect(first.headers.get('x-page')).toBe('2');
    expect(first.headers.get('x-next-page')).toBe('3');
    expect(first.headers.get('x-prev-page')).toBe('1');
    expect(first.headers.get('x-total')).toBeNull();
    expect(first.headers.get('link')).toContain('rel="next"');
    const last = await api('GET', `/projects/${project.id}/jobs?per_page=100&page=101`);
    expect(last.body).toHaveLength(1);
    expect(last.headers.get('x-next-page')).toBe('');
  });

  it('with the endlessNextPage fault, names a next page on every answer and drops Link', async () => {
    const project = sim.addProject({ path: 'endless/pages' });
    sim.addJobs([{ projectId: project.id, tags: ['t'] }]);
    const fault = sim.inject({ endpoint: 'GET /projects/:id/jobs', times: Infinity, endlessNextPage: true });
    const keyset = await api('GET', `/projects/${project.id}/jobs?pagination=keyset&order_by=id&sort=desc`);
    expect(keyset.body).toHaveLength(1);
    expect(keyset.headers.get('x-next-page')).toBe('2');
    expect(keyset.headers.get('link')).toBeNull();
    const beyond = await api('GET', `/projects/${project.id}/jobs?page=7`);
    expect(beyond.body).toEqual([]);
    expect(beyond.headers.get('x-next-page')).toBe('8');
    expect((await api('GET', '/projects/999/jobs')).status).toBe(404);
    expect(fault.hits).toBe(3);
    fault.remove();
    sim.inject({ endpoint: 'GET /projects/:id/jobs', endlessNextPage: 'new-jobs', times: 2 });
    const keysetPage = (n: number) =>
      api('GET', `/projects/${project.id}/jobs?pagination=keyset&order_by=id&sort=desc&page=${n}`);
    const first = await keysetPage(1);
    const third = await keysetPage(3);
    expect(third.body[0].id).toBe(first.body[0].id + 30_000_000);
    expect(third.headers.get('x-next-page')).toBe('4');
    expect(sim.requests.at(-2)?.fault).toBe('endless-pages');
  });

  it('paginates by keyset with an opaque cursor in Link rel="next"', async () => {
    const project = sim.addProject({ path: 'keyset/some' });
    const jobs = sim.addJobs(Array.from({ length: 5 }, () => ({ projectId: project.id, tags: ['t'] })));
    const seen: number[] = [];
    let path: string | undefined =
      `/projects/${project.id}/jobs?pagination=keyset&order_by=id&sort=desc&per_page=2`;
    while (path) {
      const page = await api('GET', path);
      seen.push(...page.body.map((j: { id: number }) => j.id));
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      path = next ? next.slice(`${sim.url}/api/v4`.length) : undefined;
    }
    expect(seen).toEqual(jobs.map((j) => j.id).reverse());
  });

  it('registers, updates, verifies, rotates and deletes runners', async () => {
    const created = await api('POST', '/user/runners', {
      runner_type: 'project_type',
      project_id: 1,
      description: 'meta-gpu',
      tag_list: ['gpu', 'slurm'],
      run_untagged: false,
      locked: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      token: expect.stringMatching(/^glrt-/),
      token_expires_at: null,
    });
    const id = created.body.id as number;
    expect(sim.runner(id)).toMatchObject({
      description: 'meta-gpu',
      tags: ['gpu', 'slurm'],
      runUntagged: false,
      locked: true,
    });

    const updated = await api('PUT', `/runners/${id}`, { tag_list: 'a,b', description: 'meta-ab' });
    expect(updated.body).toMatchObject({
      id,
      description: 'meta-ab',
      tag_list: ['a', 'b'],
      run_untagged: false,
      runner_type: 'project_type',
    });
    expect(
      (await api('POST', '/runners/verify', { token: created.body.token }, { 'private-token': '' })).status,
    ).toBe(200);

    const reset = await api('POST', `/runners/${id}/reset_authentication_token`);
    expect(reset.status).toBe(201);
    expect((await api('POST', '/runners/verify', { token: created.body.token })).status).toBe(403);

    expect((await api('DELETE', `/runners/${id}`)).status).toBe(204);
    expect((await api('DELETE', `/runners/${id}`)).status).toBe(404);
    expect((await api('PUT', `/runners/${id}`, { description: 'x' })).status).toBe(404);
  });

  it('validates runner registration like GitLab', async () => {
    expect((await api('POST', '/user/runners', { project_id: 1 })).body).toEqual({
      error: 'runner_type is missing',
    });
    expect((await api('POST', '/user/runners', { runner_type: 'project_type' })).status).toBe(400);
    expect(
      (await api('POST', '/user/runners', { runner_type: 'project_type', project_id: 999 })).status,
    ).toBe(404);
    const untaggedless = await api('POST', '/user/runners', {
      runner_type: 'project_type',
      project_id: 1,
      run_untagged: false,
    });
    expect(untaggedless.status).toBe(400);
    expect(JSON.stringify(untaggedless.body)).toContain('tags_list');
  });
});

describe('the runner side of the job queue', { timeout: 60_000 }, () => {
  async function requestJob(token: string) {
    const response = await fetch(`${sim.url}/api/v4/jobs/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, info: { name: 'gitlab-runner' } }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the job payload is checked field by field below
    const body: any = response.status === 201 ? await response.json() : undefined;
    return { status: response.status, body };
  }

  it('hands the oldest job whose tags the runner has, moves it to running, and finishes it', async () => {
    const project = sim.addProject({ path: 'queue/tags' });
    const [untagged, gpu, both] = sim.addJobs([
      { projectId: project.id, tags: [] },
      { projectId: project.id, tags: ['gpu'], image: 'alpine:3.20', script: ['nvidia-smi'] },
      { projectId: project.id, tags: ['gpu', 'big'] },
    ]);
    const runner = sim.addRunner({ projectId: project.id, tags: ['gpu'], runUntagged: false });

    const taken = await requestJob(runner.token);
    expect(taken.status).toBe(201);
    expect(taken.body).toMatchObject({
      id: gpu!.id,
      token: expect.stringMatching(/^glcbt-/),
      job_info: { id: gpu!.id, project_id: project.id, stage: 'test' },
      image: { name: 'alpine:3.20' },
      steps: [{ name: 'script', script: ['nvidia-smi'], when: 'on_success' }],
    });
    expect(taken.body.variables).toContainEqual({
      key: 'CI_JOB_ID',
      value: String(gpu!.id),
      public: true,
      masked: false,
    });
    expect(sim.job(gpu!.id)).toMatchObject({ status: 'running', runnerId: runner.id });

    // Neither the untagged job nor the one needing "big" fits this runner.
    expect((await requestJob(runner.token)).status).toBe(204);
    expect(sim.job(untagged!.id)!.status).toBe('pending');
    expect(sim.job(both!.id)!.status).toBe('pending');

    const wrong = await fetch(`${sim.url}/api/v4/jobs/${gpu!.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'glcbt-wrong', state: 'success' }),
    });
    expect(wrong.status).toBe(403);
    const done = await fetch(`${sim.url}/api/v4/jobs/${gpu!.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: taken.body.token, state: 'success' }),
    });
    expect(done.status).toBe(200);
    expect(sim.job(gpu!.id)).toMatchObject({ status: 'success', finishedAt: expect.any(Date) });
  });

  it('gives untagged jobs only to runners registered with run_untagged', async () => {
    const project = sim.addProject({ path: 'queue/untagged' });
    const [job] = sim.addJobs([{ projectId: project.id, tags: [] }]);
    const strict = sim.addRunner({ projectId: project.id, tags: ['x'], runUntagged: false });
    const open = sim.addRunner({ projectId: project.id, tags: ['x'], runUntagged: true });
    expect((await requestJob(strict.token)).status).toBe(204);
    expect((await requestJob(open.token)).body.id).toBe(job!.id);
  });

  it('refuses unknown and expired runner tokens with 403', async () => {
    const runner = sim.addRunner({ tags: ['x'] });
    expect((await requestJob('glrt-unknown')).status).toBe(403);
    sim.setRunnerTokenExpiry(runner.id, new Date(Date.now() - 1000));
    expect((await requestJob(runner.token)).status).toBe(403);
  });
});

describe('fault injection', () => {
  it('fails the Nth matching request, for `times` requests, and counts hits', async () => {
    const fault = sim.inject({ endpoint: 'GET /projects/:id', nth: 2, times: 2, status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api('GET', '/projects/1')).status);
    expect(statuses).toEqual([200, 503, 503, 200, 200]);
    expect(fault.hits).toBe(2);
    expect(fault.matched).toBe(5);
  });

  it('narrows a fault by path and lets the first rule added win', async () => {
    sim.inject({ endpoint: '*', path: /\/runners\/424242$/, status: 404 });
    sim.inject({ endpoint: 'GET /projects/:id', status: 502, times: Number.POSITIVE_INFINITY });
    sim.inject({ endpoint: 'GET /projects/:id', status: 500, times: Number.POSITIVE_INFINITY });
    expect((await api('GET', '/projects/1')).status).toBe(502);
    expect((await api('GET', '/runners/424242')).status).toBe(404);
  });

  it('answers 429 with Retry-After and RateLimit headers', async () => {
    sim.inject({ rateLimit: { retryAfter: 3, rateLimitReset: 60 } });
    const limited = await fetch(`${sim.url}/api/v4/projects/1`, { headers: { 'private-token': sim.token } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  it('drops connections and holds slow answers', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', drop: true });
    await expect(api('GET', '/projects/1')).rejects.toThrow();
    sim.inject({ endpoint: 'GET /projects/:id', delayMs: 50 });
    expect((await api('GET', '/projects/1')).status).toBe(200);
    expect(sim.requests.at(-1)).toMatchObject({ fault: 'delay', status: 200 });
  });

  it('counts requests per endpoint, unknown paths included', async () => {
    const before = sim.requestCounts();
    await api('GET', '/projects/1');
    expect((await api('GET', '/no/such/thing')).status).toBe(404);
    const after = sim.requestCounts();
    expect(after['GET /projects/:id']).toBe((before['GET /projects/:id'] ?? 0) + 1);
    expect(after.unknown).toBe((before.unknown ?? 0) + 1);
  });

  it('cuts hung requests when it closes', async () => {
    const own = await startSimulator();
    own.inject({ hang: true });
    const pending = fetch(`${own.url}/api/v4/projects/1`, { headers: { 'private-token': own.token } });
    await own.waitFor(() => own.requestCount() === 1);
    await own.close();
    await expect(pending).rejects.toThrow();
  });
});
