import { describe, expect, it } from 'vitest';
import { memoryLogger, rejection, simulatorClients, startSimulator } from '../test/helpers.js';
import { GitLabClient } from './client.js';
import {
  GitLabAbortError,
  type GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseTooLargeError,
  GitLabTimeoutError,
} from './errors.js';

const t = simulatorClients();

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
    t.sim.inject({ endpoint: 'GET /projects/:id', times: 2, ...fault });
    const before = t.sim.requestCount('GET /projects/:id');
    expect((await t.client({ logger }).getProject(1)).id).toBe(1);
    expect(t.sim.requestCount('GET /projects/:id') - before).toBe(3);
    const retries = logger.lines.filter((l) => l.level === 'warn');
    expect(retries.map((l) => l.fields?.wait)).toEqual([source, source]);
    expect(retries[0]!.message).toMatch(/retrying in/);
  });

  it('waits as long as Retry-After says', async () => {
    const logger = memoryLogger();
    t.sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 1 } });
    await t.client({ logger }).getProject(1);
    expect(logger.lines.find((l) => l.level === 'warn')?.message).toMatch(/retrying in 1\.0 s/);
  });

  it('gives up after maxRetries and reports the attempts', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', times: Number.POSITIVE_INFINITY, status: 503 });
    const before = t.sim.requestCount('GET /projects/:id');
    const error = await rejection(t.client({ retry: { maxRetries: 2, baseDelayMs: 1 } }).getProject(1));
    expect(error).toMatchObject({ status: 503, code: 'MR_GITLAB_HTTP_503', attempts: 3 });
    expect(error.message).toMatch(/after 3 attempts/);
    expect(t.sim.requestCount('GET /projects/:id') - before).toBe(3);
  });

  it('gives up at once when GitLab asks to wait longer than the retry budget', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 3600 } });
    const before = t.sim.requestCount('GET /projects/:id');
    const error = await rejection(t.client({ retry: { maxTotalMs: 5_000 } }).getProject(1));
    expect(error).toMatchObject({ status: 429, code: 'MR_GITLAB_HTTP_429' });
    expect((error as GitLabHttpError).hint).toMatch(/rate limiting/);
    expect(t.sim.requestCount('GET /projects/:id') - before).toBe(1);
  });

  it.each([400, 401, 403, 404, 409, 500])('does not retry a %i', async (status) => {
    t.sim.inject({ endpoint: 'GET /projects/:id', times: Number.POSITIVE_INFINITY, status });
    const before = t.sim.requestCount('GET /projects/:id');
    const error = await rejection(t.client().getProject(1));
    expect(error).toMatchObject({ status, code: `MR_GITLAB_HTTP_${status}`, attempts: 1 });
    expect(t.sim.requestCount('GET /projects/:id') - before).toBe(1);
  });

  it('creates a runner again after a 429 but never after a 502 (GitLab may have created it)', async () => {
    const gitlab = t.client();
    const params = { projectId: 1, description: 'r', tagList: ['x'], runUntagged: false };
    t.sim.inject({ endpoint: 'POST /user/runners', rateLimit: { retryAfter: 0 } });
    const created = await gitlab.createRunner(params);
    expect(t.sim.runner(created.id)).toBeDefined();
    t.sim.inject({ endpoint: 'POST /user/runners', status: 502 });
    const before = t.sim.requestCount('POST /user/runners');
    expect(await rejection(gitlab.createRunner(params))).toMatchObject({ status: 502 });
    expect(t.sim.requestCount('POST /user/runners') - before).toBe(1);
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
    t.sim.inject({ endpoint: 'GET /projects/:id', hang: true });
    const error = await rejection(t.client({ timeoutMs: 200 }).getProject(1));
    expect(error).toBeInstanceOf(GitLabTimeoutError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_TIMEOUT', timeoutMs: 200, method: 'GET' });
    expect(error.message).toMatch(/did not answer GET \/api\/v4\/projects\/1 within 0.2 s/);
  });

  it('waits for a slow answer within the timeout', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', delayMs: 100 });
    expect((await t.client({ timeoutMs: 5_000 }).getProject(1)).id).toBe(1);
  });

  it('aborts a request in flight', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', hang: true });
    const controller = new AbortController();
    const pending = t.client().getProject(1, { signal: controller.signal });
    await t.sim.waitFor(() => t.sim.requests.at(-1)?.fault === 'hang', { description: 'the hung request' });
    controller.abort();
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(GitLabAbortError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_ABORTED', method: 'GET', path: '/api/v4/projects/1' });
  });

  it('aborts while waiting to retry', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', rateLimit: { retryAfter: 30 } });
    const controller = new AbortController();
    const pending = t.client({ retry: { maxTotalMs: 60_000 } }).getProject(1, { signal: controller.signal });
    await t.sim.waitFor(() => t.sim.requests.at(-1)?.status === 429, { description: 'the 429' });
    controller.abort();
    expect(await rejection(pending)).toBeInstanceOf(GitLabAbortError);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const before = t.sim.requestCount();
    const error = await rejection(t.client().listPendingJobs(1, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(GitLabAbortError);
    expect(t.sim.requestCount()).toBe(before);
  });
});

describe('the answer size cap', () => {
  it('stops reading a 600 MB answer at the default cap and fails with its own code, without retrying', async () => {
    const fault = t.sim.inject({ endpoint: 'GET /projects/:id', oversizedBody: 600 * 1024 * 1024 });
    const error = await rejection(t.client().getProject(1));
    expect(error).toBeInstanceOf(GitLabResponseTooLargeError);
    expect(error).toMatchObject({ code: 'MR_GITLAB_RESPONSE_TOO_LARGE', limitBytes: 32 * 1024 * 1024 });
    expect((error as Error).message).toMatch(/answer to GET \/api\/v4\/projects\/1 is larger than 32 MiB/);
    expect(fault.hits).toBe(1);
  });

  it('takes its cap from maxResponseBytes and reads answers up to it', async () => {
    t.sim.inject({ endpoint: 'GET /projects/:id', oversizedBody: 2 * 1024 * 1024 });
    const error = await rejection(t.client({ maxResponseBytes: 1024 * 1024 }).getProject(1));
    expect(error).toMatchObject({ code: 'MR_GITLAB_RESPONSE_TOO_LARGE', limitBytes: 1024 * 1024 });
    // An answer within the cap is read as usual.
    expect((await t.client({ maxResponseBytes: 64 * 1024 }).getProject(1)).id).toBe(1);
  });
});
