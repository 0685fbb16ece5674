import { afterEach, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';

const open: GitLabSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function simulator() {
  const sim = await startSimulator();
  open.push(sim);
  return sim;
}

function createRunner(sim: GitLabSimulator, signal?: AbortSignal) {
  return fetch(`${sim.url}/api/v4/user/runners`, {
    method: 'POST',
    headers: { 'private-token': sim.token, 'content-type': 'application/json' },
    body: JSON.stringify({
      runner_type: 'project_type',
      project_id: 1,
      description: 'meta-a',
      tag_list: ['a'],
    }),
    signal,
  });
}

describe('faults after handling', () => {
  it('creates the runner, then holds the answer (hang) and says so with `held`', async () => {
    const sim = await simulator();
    sim.inject({ endpoint: 'POST /user/runners', afterHandling: true, hang: true });
    const controller = new AbortController();
    const request = createRunner(sim, controller.signal).catch((e: unknown) => e);
    await sim.waitFor(() => sim.requests.some((r) => r.heldAt !== undefined), { timeoutMs: 10_000 });
    expect(sim.runners()).toHaveLength(1);
    expect(sim.requests.at(-1)).toMatchObject({ endpoint: 'POST /user/runners', status: 0 });
    controller.abort();
    expect(await request).toBeInstanceOf(Error);
  });

  it('creates the runner, then drops the connection, or answers late', async () => {
    const sim = await simulator();
    sim.inject({ endpoint: 'POST /user/runners', afterHandling: true, drop: true });
    await expect(createRunner(sim)).rejects.toThrow();
    expect(sim.runners()).toHaveLength(1);
    sim.inject({ endpoint: 'POST /user/runners', afterHandling: true, delayMs: 50 });
    const late = await createRunner(sim);
    expect(late.status).toBe(201);
    const body = (await late.json()) as { id: number };
    expect(sim.runners().map((r) => r.id)).toContain(body.id);
    expect(sim.requests.at(-1)!.heldAt).toBeLessThanOrEqual(sim.requests.at(-1)!.answeredAt!);
  });
});
