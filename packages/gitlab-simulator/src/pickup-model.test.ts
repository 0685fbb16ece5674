import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';

const sims: GitLabSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function simulator(options: Parameters<typeof startSimulator>[0] = {}): Promise<GitLabSimulator> {
  const sim = await startSimulator(options);
  sims.push(sim);
  return sim;
}

const post = (sim: GitLabSimulator, path: string, body: unknown, token = sim.token) =>
  fetch(`${sim.url}/api/v4${path}`, {
    method: 'POST',
    headers: { 'private-token': token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe("GitLab's drop of pending jobs", () => {
  it('drops a job older than an hour when no online runner can take it, and keeps it while one can', async () => {
    const sim = await simulator();
    const runner = sim.addRunner({ tags: ['cpu'] });
    const [job] = sim.addJobs([{ tags: ['cpu'] }]);
    sim.advanceClock(61 * 60_000);
    // Contacted within two hours (through POST /runners/verify): online, the job stays.
    expect((await post(sim, '/runners/verify', { token: runner.token }, '')).status).toBe(200);
    expect(sim.runner(runner.id)!.contactedAt!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
    expect(sim.dropStuckJobs()).toEqual([]);
    // Three hours later without contact, the runner is offline and the job is dropped.
    sim.advanceClock(3 * 3_600_000);
    expect(sim.dropStuckJobs().map((j) => j.id)).toEqual([job!.id]);
    expect(sim.job(job!.id)).toMatchObject({ status: 'failed', failureReason: 'stuck_or_timeout_failure' });
  });

  it('drops every job pending for more than a day, online runner or not', async () => {
    const sim = await simulator({ stuckJobs: { outdatedAfterMs: 5_000 } });
    const runner = sim.addRunner({ tags: ['cpu'] });
    const [job] = sim.addJobs([{ tags: ['cpu'], createdAt: new Date(Date.now() - 10_000) }]);
    sim.setRunnerContactedAt(runner.id, sim.now());
    // Limits are configurable: a 1 h stuck limit does not apply yet, the 5 s outdated one does.
    expect(sim.dropStuckJobs().map((j) => j.id)).toEqual([job!.id]);
  });

  it('keeps a job younger than the stuck limit whatever the runners do', async () => {
    const sim = await simulator();
    sim.addJobs([{ tags: ['gpu'] }]);
    expect(sim.dropStuckJobs()).toEqual([]);
  });
});

describe('RateLimit headers', () => {
  it('sends RateLimit-* with API answers and 429 with Retry-After once an enforced quota is used up', async () => {
    const sim = await simulator({ rateLimit: { limit: 2, windowMs: 3_600_000, enforce: true } });
    const get = () => fetch(`${sim.url}/api/v4/projects/1`, { headers: { 'private-token': sim.token } });
    const first = await get();
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((await get()).headers.get('ratelimit-remaining')).toBe('0');
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

/** A webhook receiver on loopback that answers `status` (a function of the request count) and keeps the bodies. */
async function receiver(status: (n: number) => number = () => 200) {
  const received: { headers: Record<string, unknown>; body: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (c: Buffer) => {
      text += c.toString();
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(text) });
      response.statusCode = status(received.length);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('job hooks', () => {
  it('posts a Job Hook with the secret token when a job is created and when it becomes pending', async () => {
    const { url, received } = await receiver();
    const sim = await simulator({ webhooks: [{ url, token: 'hook-token-0123456789' }] });
    const [job] = sim.addJobs([{ tags: ['cpu'], name: 'build' }]);
    await sim.waitFor(() => sim.webhookDeliveries.length === 2);
    expect(sim.webhookDeliveries.map((d) => [d.jobId, d.buildStatus, d.status]).sort()).toEqual([
      [job!.id, 'created', 200],
      [job!.id, 'pending', 200],
    ]);
    const pending = received.find((r) => r.body.build_status === 'pending')!;
    expect(pending.headers).toMatchObject({
      'x-gitlab-event': 'Job Hook',
      'x-gitlab-token': 'hook-token-0123456789',
    });
    expect(pending.body).toMatchObject({
      object_kind: 'build',
      build_id: job!.id,
      build_name: 'build',
      build_status: 'pending',
      project_id: 1,
    });
  });

  it('posts one when a runner takes the job and one when it ends', async () => {
    const { url } = await receiver();
    const sim = await simulator({ webhooks: [{ url, token: 'hook-token-0123456789' }] });
    const runner = sim.addRunner({ tags: ['cpu'] });
    const [job] = sim.addJobs([{ tags: ['cpu'] }]);
    const taken = (await (await post(sim, '/jobs/request', { token: runner.token }, '')).json()) as {
      token: string;
    };
    await fetch(`${sim.url}/api/v4/jobs/${job!.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: taken.token, state: 'success' }),
    });
    await sim.waitFor(() => sim.webhookDeliveries.length === 4);
    expect(new Set(sim.webhookDeliveries.map((d) => d.buildStatus))).toEqual(
      new Set(['created', 'pending', 'running', 'success']),
    );
  });

  it('stops calling a hook for a minute after four failures in a row, as GitLab does', async () => {
    const { url } = await receiver(() => 429);
    const sim = await simulator({ webhooks: [{ url, token: 'hook-token-0123456789' }] });
    sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }]);
    await sim.waitFor(() => sim.webhookDeliveries.length === 4);
    expect(sim.webhooks[0]).toMatchObject({ recentFailures: 4, executable: false });
    const disabledUntil = sim.webhooks[0]!.disabledUntil!.getTime();
    expect(disabledUntil - Date.now()).toBeGreaterThan(50_000);
    expect(disabledUntil - Date.now()).toBeLessThanOrEqual(60_000);
    // While it is disabled, GitLab drops the events instead of sending them.
    const [later] = sim.addJobs([{ tags: ['cpu'] }]);
    expect(sim.webhookDeliveries.filter((d) => d.jobId === later!.id)).toEqual([
      expect.objectContaining({ buildStatus: 'created', skipped: 'disabled' }),
      expect.objectContaining({ buildStatus: 'pending', skipped: 'disabled' }),
    ]);
  });
});
