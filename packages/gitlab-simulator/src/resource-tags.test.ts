import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitLabSimulator, startSimulator } from './simulator.js';

// The tag rule of GitLab's job queue as resource runners meet it, and its limit on maximum_timeout.

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

async function post(path: string, body: unknown) {
  const response = await fetch(`${sim.url}/api/v4${path}`, {
    method: 'POST',
    headers: { 'private-token': sim.token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const takes = async (token: string) =>
  (await post('/jobs/request', { token, info: { name: 'gitlab-runner' } })).body?.id as number | undefined;

describe('resource tags in the simulated job queue', () => {
  it('gives a job only to runners whose tags include all of its tags, so a larger set may take a smaller job', async () => {
    const project = sim.addProject({ path: 'queue/resources' });
    const [small, big] = sim.addJobs([
      { projectId: project.id, tags: ['slurm'] },
      { projectId: project.id, tags: ['slurm', 'cpus=8'] },
    ]);
    const plain = sim.addRunner({ projectId: project.id, tags: ['slurm'], runUntagged: false });
    const large = sim.addRunner({ projectId: project.id, tags: ['slurm', 'cpus=8'], runUntagged: false });
    // The superset runner takes the oldest job it can: the small one.
    expect(await takes(large.token)).toBe(small!.id);
    // The plain runner cannot take the job asking for cpus=8.
    expect(await takes(plain.token)).toBeUndefined();
    expect(await takes(large.token)).toBe(big!.id);
  });

  it("refuses a maximum_timeout under 10 minutes, as GitLab's runner model does", async () => {
    const body = { runner_type: 'project_type', project_id: 1, tag_list: ['a'], run_untagged: false };
    const short = await post('/user/runners', { ...body, maximum_timeout: 599 });
    expect(short).toEqual({
      status: 400,
      body: { message: { maximum_timeout: ['needs to be at least 10 minutes'] } },
    });
    const ok = await post('/user/runners', { ...body, maximum_timeout: 600 });
    expect(ok.status).toBe(201);
    expect(sim.runner(ok.body.id)?.maximumTimeout).toBe(600);
  });
});
