import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  everythingIn,
  expectNoSecrets,
  type GitLabSimulator,
  memoryLogger,
  rejection,
  startSimulator,
} from '../test/helpers.js';
import { GitLabClient, type GitLabClientOptions } from './client.js';
import {
  GitLabAbortError,
  GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabTimeoutError,
  isNotFound,
} from './errors.js';

let sim: GitLabSimulator;
const clients: GitLabClient[] = [];

function client(options: Partial<GitLabClientOptions> = {}): GitLabClient {
  const made = new GitLabClient({
    baseUrl: sim.url,
    token: sim.token,
    retry: { maxRetries: 3, baseDelayMs: 1, maxTotalMs: 10_000 },
    ...options,
  });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  sim.clearFaults();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sim.close();
});

describe('projects and jobs', () => {
  it('gets a project by numeric id and by URL-encoded path', async () => {
    const gitlab = client();
    expect((await gitlab.getProject(1)).path_with_namespace).toBe('group/project');
    expect((await gitlab.getProject('group/project')).id).toBe(1);
    expect(sim.requests.at(-1)!.path).toBe('/api/v4/projects/group%2Fproject');
  });

  it('gets one job with GitLab nulls and extra fields intact', async () => {
    const [job] = sim.addJobs([{ tags: ['gpu'], name: 'single' }]);
    const got = await client().getJob(1, job!.id);
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
    const error = await rejection(client({ token: 'glpat-wrongwrongwrong' }).getProject(1));
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

describe('listPendingJobs', () => {
  let project: number;
  let pendingIds: number[];

  beforeAll(() => {
    project = sim.addProject({ path: 'hpc/many-jobs' }).id;
    const jobs = sim.addJobs(
      Array.from({ length: 250 }, (_, i) => ({ projectId: project, tags: i % 2 ? ['a'] : ['a', 'b'] })),
    );
    // Jobs that are not pending must not be listed.
    sim.cancelJob(jobs[0]!.id);
    sim.dropJob(jobs[1]!.id);
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
    const own = await startSimulator({ token: sim.token, pagination });
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
    const jobs = await client().listPendingJobs(project);
    expect(sortedIds(jobs)).toEqual(pendingIds);
    expect(jobs.every((j) => j.status === 'pending')).toBe(true);
  });

  it('asks for 100 per page, keyset by id, scope pending', async () => {
    await client().listPendingJobs(project);
    const first = new URL(sim.requests.at(-3)!.path, 'http://x');
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
    for await (const page of client().pendingJobPages(project, { perPage: 100 })) sizes.push(page.length);
    expect(sizes).toEqual([100, 100, 48]);
  });

  it('stops with an error on a next link that points back to a page already read', async () => {
    const loop = `<${sim.url}/api/v4/projects/${project}/jobs?page=1>; rel="next"`;
    sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      times: Number.POSITIVE_INFINITY,
      status: 200,
      body: [],
      headers: { link: loop },
    });
    const error = await rejection(client().listPendingJobs(project, { pagination: 'offset' }));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error.message).toMatch(/points back to a page already read/);
  });
});

describe('retries', () => {
  it.each([
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '0' } }, 'retry-after'],
    [
      '429 with RateLimit-Reset (a Unix time)',
      { status: 429, headers: { 'ratelimit-reset': '1700000000' } },
      'ratelimit-reset',
    ],
    ['429 without any header', { rateLimit: true as const }, 'backoff'],
    ['502', { status: 502 }, 'backoff'],
    ['503', { status: 503 }, 'backoff'],
    ['504', { status: 504 }, 'backoff'],
    ['a dropped connection', { drop: true }, 'backoff'],
  ])('retries after %s and succeeds', async (_name, fault, source) => {
    const logger = memoryLogger();
    sim.inject({ endpoint: 'GET /projects/:id', times: 2, ...fault });
    const before = sim.requestCount('GET /projects/:id');
    expect((await client({ logger }).getProject(1)).id).toBe(1);
    expect(sim.requestCount('GET /projects/:id') - before).toBe(3);
    const retries = logger.lines.filter((l) => l.level === 'warn');
    expect(retries.map((l) => l.fields?.wait)).toEqual([source, source]);
    expect(retries[0]!.message).toMatch(/retrying in/);
  });

  it('waits as long as Retry-After says', async () => {
    const logger = memoryLogger();
    sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 1 } });
    await client({ logger }).getProject(1);
    expect(logger.lines.find((l) => l.level === 'warn')?.message).toMatch(/retrying in 1\.0 s/);
  });

  it('gives up after maxRetries and reports the attempts', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', times: Number.POSITIVE_INFINITY, status: 503 });
    const before = sim.requestCount('GET /projects/:id');
    const error = await rejection(client({ retry: { maxRetries: 2, baseDelayMs: 1 } }).getProject(1));
    expect(error).toMatchObject({ status: 503, code: 'MR_GITLAB_HTTP_503', attempts: 3 });
    expect(error.message).toMatch(/after 3 attempts/);
    expect(sim.requestCount('GET /projects/:id') - before).toBe(3);
  });

  it('gives up at once when GitLab asks to wait longer than the retry budget', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 3600 } });
    const before = sim.requestCount('GET /projects/:id');
    const error = await rejection(client({ retry: { maxTotalMs: 5_000 } }).getProject(1));
    expect(error).toMatchObject({ status: 429, code: 'MR_GITLAB_HTTP_429' });
    expect((error as GitLabHttpError).hint).toMatch(/rate limiting/);
    expect(sim.requestCount('GET /projects/:id') - before).toBe(1);
  });

  it.each([400, 401, 403, 404, 409, 500])('does not retry a %i', async (status) => {
    sim.inject({ endpoint: 'GET /projects/:id', times: Number.POSITIVE_INFINITY, status });
    const before = sim.requestCount('GET /projects/:id');
    const error = await rejection(client().getProject(1));
    expect(error).toMatchObject({ status, code: `MR_GITLAB_HTTP_${status}`, attempts: 1 });
    expect(sim.requestCount('GET /projects/:id') - before).toBe(1);
  });

  it('creates a runner again after a 429 but never after a 502 (GitLab may have created it)', async () => {
    const gitlab = client();
    const params = { projectId: 1, description: 'r', tagList: ['x'], runUntagged: false };
    sim.inject({ endpoint: 'POST /user/runners', rateLimit: { retryAfter: 0 } });
    const created = await gitlab.createRunner(params);
    expect(sim.runner(created.id)).toBeDefined();
    sim.inject({ endpoint: 'POST /user/runners', status: 502 });
    const before = sim.requestCount('POST /user/runners');
    expect(await rejection(gitlab.createRunner(params))).toMatchObject({ status: 502 });
    expect(sim.requestCount('POST /user/runners') - before).toBe(1);
  });

  it('does not retry a refused connection', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const gitlab = new GitLabClient({ baseUrl: url, token: 'glpat-abcdefghijkl', retry: { baseDelayMs: 1 } });
    const error = await rejection(gitlab.getProject(1));
    await gitlab.close();
    expect(error).toBeInstanceOf(GitLabNetworkError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_NETWORK', errorCode: 'ECONNREFUSED', attempts: 1 });
    expect(error.message).toContain(url);
  });
});

describe('timeouts and aborts', () => {
  it('times out a request that gets no answer', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', hang: true });
    const error = await rejection(client({ timeoutMs: 200 }).getProject(1));
    expect(error).toBeInstanceOf(GitLabTimeoutError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_TIMEOUT', timeoutMs: 200, method: 'GET' });
    expect(error.message).toMatch(/did not answer GET \/api\/v4\/projects\/1 within 0.2 s/);
  });

  it('waits for a slow answer within the timeout', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', delayMs: 100 });
    expect((await client({ timeoutMs: 5_000 }).getProject(1)).id).toBe(1);
  });

  it('aborts a request in flight', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', hang: true });
    const controller = new AbortController();
    const pending = client().getProject(1, { signal: controller.signal });
    await sim.waitFor(() => sim.requests.at(-1)?.fault === 'hang', { description: 'the hung request' });
    controller.abort();
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(GitLabAbortError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_ABORTED', method: 'GET', path: '/api/v4/projects/1' });
  });

  it('aborts while waiting to retry', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 30 } });
    const controller = new AbortController();
    const pending = client({ retry: { maxTotalMs: 60_000 } }).getProject(1, { signal: controller.signal });
    await sim.waitFor(() => sim.requests.at(-1)?.status === 429, { description: 'the 429' });
    controller.abort();
    expect(await rejection(pending)).toBeInstanceOf(GitLabAbortError);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const before = sim.requestCount();
    const error = await rejection(client().listPendingJobs(1, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(GitLabAbortError);
    expect(sim.requestCount()).toBe(before);
  });
});

describe('answers that would break the caller', () => {
  it('names the endpoint, the field and the job when a job has no tag_list', async () => {
    const body = [
      { id: 7, tag_list: ['a'], status: 'pending', extra: { nested: null }, runner: null },
      { id: 8, status: 'pending', name: 'no tags' },
    ];
    sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body });
    const error = await rejection(client().listPendingJobs(1));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE', fields: ['[1].tag_list'] });
    expect(error.message).toContain('GET /api/v4/projects/1/jobs');
    expect(error.message).toContain('[1].tag_list (id 8)');
  });

  it('rejects a job without an id', async () => {
    sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body: [{ tag_list: [] }] });
    const error = await rejection(client().listPendingJobs(1));
    expect(error).toMatchObject({ code: 'MR_GITLAB_BAD_RESPONSE', fields: ['[0].id'] });
  });

  it('accepts nulls and unknown fields wherever the client does not need them', async () => {
    const body = [
      { id: 9, tag_list: [], name: null, stage: null, pipeline: null, created_at: null, future: [1] },
    ];
    sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 200, body });
    expect(await client().listPendingJobs(1)).toEqual([
      { id: 9, tag_list: [], name: null, stage: null, pipeline: null, created_at: null },
    ]);
  });

  it('rejects an answer that is not JSON', async () => {
    sim.inject({
      endpoint: 'GET /projects/:id',
      status: 200,
      body: undefined,
      headers: { 'content-type': 'text/html' },
    });
    sim.clearFaults();
    sim.inject({ endpoint: 'GET /projects/:id', status: 200, body: '<html>login</html>' });
    // A JSON string body is valid JSON but not a project.
    const error = await rejection(client().getProject(1));
    expect(error).toBeInstanceOf(GitLabResponseError);
    expect(error.message).toMatch(/GET \/api\/v4\/projects\/1/);
  });
});

describe('runners', () => {
  it('creates, verifies, updates, rotates and deletes a runner', async () => {
    const gitlab = client();
    const created = await gitlab.createRunner({
      projectId: 1,
      description: 'meta-a',
      tagList: ['a', 'b'],
      runUntagged: false,
    });
    expect(created.token).toMatch(/^glrt-/);
    expect(created.token_expires_at).toBeNull();
    expect(sim.runner(created.id)).toMatchObject({
      description: 'meta-a',
      tags: ['a', 'b'],
      runUntagged: false,
      locked: true,
      paused: false,
    });
    expect(await gitlab.verifyRunner(created.token)).toEqual({ id: created.id, token_expires_at: null });

    const updated = await gitlab.updateRunner(created.id, {
      description: 'meta-b',
      tagList: ['c'],
      runUntagged: true,
    });
    expect(updated).toMatchObject({
      id: created.id,
      description: 'meta-b',
      tag_list: ['c'],
      run_untagged: true,
    });

    const reset = await gitlab.resetRunnerToken(created.id);
    expect(reset.token).not.toBe(created.token);
    expect(await gitlab.verifyRunner(created.token)).toBeNull();
    expect(await gitlab.verifyRunner(reset.token)).toMatchObject({ id: created.id });

    await gitlab.deleteRunner(created.id);
    expect(sim.runner(created.id)).toBeUndefined();
    const again = await rejection(gitlab.deleteRunner(created.id));
    expect(isNotFound(again)).toBe(true);
    expect(isNotFound(await rejection(gitlab.updateRunner(created.id, { description: 'x' })))).toBe(true);
  });

  it('passes GitLab validation messages on', async () => {
    const error = await rejection(
      client().createRunner({ projectId: 1, description: 'r', tagList: [], runUntagged: false }),
    );
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toMatch(/tags_list.*can not be empty/);
  });

  it('reports the token expiry GitLab sets', async () => {
    const own = await startSimulator({ runnerTokenExpiresIn: 3600 });
    try {
      const gitlab = new GitLabClient({ baseUrl: own.url, token: own.token });
      const created = await gitlab.createRunner({
        projectId: 1,
        description: 'r',
        tagList: ['x'],
        runUntagged: false,
      });
      await gitlab.close();
      expect(Date.parse(created.token_expires_at!)).toBeGreaterThan(Date.now());
    } finally {
      await own.close();
    }
  });
});

describe('no error ever contains a token', () => {
  const runnerToken = 'glrt-runnerSecretValue123';
  const plain = 'not-prefixed-secret-value';

  it('redacts the access token from an HTTP error whose body echoes it', async () => {
    sim.inject({ endpoint: 'GET /projects/:id', status: 400, body: { message: `bad token ${sim.token}` } });
    const error = await rejection(client().getProject(1));
    expect(error).toBeInstanceOf(GitLabHttpError);
    expect(error.message).toContain('[redacted]');
    expectNoSecrets(error, [sim.token]);
  });

  it('redacts a runner token sent in a request body from the error', async () => {
    sim.inject({
      endpoint: 'POST /runners/verify',
      status: 500,
      body: { error: `cannot verify ${runnerToken}` },
    });
    const error = await rejection(client().verifyRunner(runnerToken));
    expect(error).toMatchObject({ status: 500 });
    expectNoSecrets(error, [runnerToken, sim.token]);
  });

  it('redacts tokens GitLab handed out earlier, whatever their shape', async () => {
    const own = await startSimulator({ token: plain });
    try {
      const gitlab = new GitLabClient({ baseUrl: own.url, token: plain, retry: { maxRetries: 0 } });
      const created = await gitlab.createRunner({
        projectId: 1,
        description: 'r',
        tagList: ['x'],
        runUntagged: false,
      });
      own.inject({
        endpoint: 'PUT /runners/:id',
        status: 422,
        body: { message: `${created.token} and ${plain}` },
      });
      const error = await rejection(gitlab.updateRunner(created.id, { description: 'y' }));
      await gitlab.close();
      expectNoSecrets(error, [created.token, plain]);
    } finally {
      await own.close();
    }
  });

  it('redacts tokens from schema errors about answers that carry tokens', async () => {
    sim.inject({ endpoint: 'POST /user/runners', status: 201, body: { id: 'x', token: runnerToken } });
    const error = await rejection(
      client().createRunner({ projectId: 1, description: 'r', tagList: ['x'], runUntagged: false }),
    );
    expect(error).toBeInstanceOf(GitLabResponseError);
    expectNoSecrets(error, [runnerToken, sim.token]);
  });

  it('keeps tokens out of network, timeout and abort errors and their causes', async () => {
    sim.inject({ endpoint: 'POST /runners/verify', drop: true, times: Number.POSITIVE_INFINITY });
    const network = await rejection(
      client({ retry: { maxRetries: 1, baseDelayMs: 1 } }).verifyRunner(runnerToken),
    );
    expect(network).toBeInstanceOf(GitLabNetworkError);
    expect(network.cause).toBeInstanceOf(Error);
    expectNoSecrets(network, [runnerToken, sim.token]);
    sim.clearFaults();

    sim.inject({ endpoint: 'POST /runners/verify', hang: true });
    const timeout = await rejection(client({ timeoutMs: 100 }).verifyRunner(runnerToken));
    expect(timeout).toBeInstanceOf(GitLabTimeoutError);
    expectNoSecrets(timeout, [runnerToken, sim.token]);

    sim.inject({ endpoint: 'POST /runners/verify', hang: true });
    const abort = await rejection(client().verifyRunner(runnerToken, { signal: AbortSignal.timeout(100) }));
    expect(abort).toBeInstanceOf(GitLabAbortError);
    expectNoSecrets(abort, [runnerToken, sim.token]);
  });

  it('does not expose the token as a property of the client', () => {
    expect(everythingIn(Object.assign(new Error('x'), { client: client() }))).not.toContain(sim.token);
    expect(JSON.stringify(client())).not.toContain(sim.token);
  });
});
