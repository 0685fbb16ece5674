import { describe, expect, it } from 'vitest';
import { simulatorClients } from '../test/helpers.js';
import { JOBS_PER_PIPELINE } from './group-pending-jobs.js';

const projects = [
  ...Array.from({ length: 150 }, (_, i) => ({ id: i + 1, path: `lab/p${i + 1}` })),
  ...Array.from({ length: 100 }, (_, i) => ({ id: i + 151, path: `lab/sub/q${i + 1}` })),
  { id: 400, path: 'elsewhere/x' },
];
const t = simulatorClients({
  groups: [{ path: 'lab' }, { path: 'lab/sub' }, { path: 'elsewhere' }],
  projects,
});

describe('GroupPendingJobsReader', () => {
  it('reads the pending jobs of every project of a group and its subgroups, about one request per 100 projects', async () => {
    const gitlab = t.client();
    const a = t.sim.addJobs([{ projectId: 3, tags: ['cpu'] }])[0]!;
    const b = t.sim.addJobs([{ projectId: 200, tags: ['gpu', 'big'] }])[0]!;
    t.sim.addJobs([{ projectId: 400, tags: ['cpu'] }]);
    const before = t.sim.requestCount();
    const read = await gitlab.groupPendingJobsReader('lab', { includeSubgroups: true }).read();
    expect(t.sim.requestCount() - before).toBe(3);
    expect(read).toMatchObject({ projects: 250, pages: 3, readAgain: [] });
    expect(read.jobs).toEqual([
      expect.objectContaining({
        id: a.id,
        tag_list: ['cpu'],
        status: 'pending',
        project: { id: 3, path: 'lab/p3' },
      }),
      expect.objectContaining({
        id: b.id,
        tag_list: ['gpu', 'big'],
        project: { id: 200, path: 'lab/sub/q50' },
      }),
    ]);
    expect(read.jobs[0]!.created_at).toBe(a.createdAt.toISOString());
    const flat = await gitlab.groupPendingJobsReader('lab', { includeSubgroups: false }).read();
    expect(flat.jobs.map((j) => j.id)).toEqual([a.id]);
  });

  it('sees a project added to the group since the last read', async () => {
    const gitlab = t.client();
    const reader = gitlab.groupPendingJobsReader('lab', { includeSubgroups: true });
    const first = await reader.read();
    const project = t.sim.addProject({ path: 'lab/sub/new-one' });
    const [job] = t.sim.addJobs([{ projectId: project.id, tags: ['cpu'] }]);
    const second = await reader.read();
    expect(second.projects).toBe(first.projects + 1);
    expect(second.jobs.map((j) => j.id)).toContain(job!.id);
  });

  it('reads a project again through REST when a pipeline fills its page of pending jobs', async () => {
    const gitlab = t.client();
    const many = t.sim.addJobs(
      Array.from({ length: JOBS_PER_PIPELINE + 5 }, () => ({ projectId: 7, tags: ['x'] })),
    );
    const restBefore = t.sim.requestCount('GET /projects/:id/jobs');
    const read = await gitlab.groupPendingJobsReader('lab', { includeSubgroups: true }).read();
    expect(read.readAgain).toEqual(['lab/p7']);
    expect(t.sim.requestCount('GET /projects/:id/jobs')).toBeGreaterThan(restBefore);
    const ids = new Set(read.jobs.map((j) => j.id));
    for (const job of many) expect(ids.has(job.id)).toBe(true);
    for (const job of many) t.sim.removeJob(job.id);
  });

  it('asks for fewer projects per request when GitLab finds the query too complex, and keeps that', async () => {
    const gitlab = t.client();
    t.sim.inject({
      endpoint: 'POST /api/graphql',
      status: 200,
      body: { errors: [{ message: 'Query has complexity of 300, which exceeds max complexity of 250' }] },
    });
    const reader = gitlab.groupPendingJobsReader('lab', { includeSubgroups: true });
    const read = await reader.read();
    expect(reader.projectsPerPage).toBe(50);
    expect(read.projects).toBeGreaterThanOrEqual(250);
    expect(read.pages).toBe(Math.ceil(read.projects / 50));
  });

  it('leaves out the jobs of projects that turned group runners off, and reads them when GitLab cannot tell', async () => {
    const gitlab = t.client();
    const off = t.sim.addProject({ path: 'lab/sub/no-group-runners', groupRunnersEnabled: false });
    const [hidden] = t.sim.addJobs([{ projectId: off.id, tags: ['cpu'] }]);
    const [seen] = t.sim.addJobs([{ projectId: 5, tags: ['cpu'] }]);
    const read = await gitlab.groupPendingJobsReader('lab', { includeSubgroups: true }).read();
    expect(read.jobs.map((j) => j.id)).toContain(seen!.id);
    expect(read.jobs.map((j) => j.id)).not.toContain(hidden!.id);
    expect(read.groupRunnersOff).toEqual([{ path: 'lab/sub/no-group-runners', jobs: 1 }]);

    // A GitLab whose schema has no ciCdSettings: asked again without it, and from then on.
    t.sim.inject({
      endpoint: 'POST /api/graphql',
      status: 200,
      body: { errors: [{ message: "Field 'ciCdSettings' doesn't exist on type 'Project'" }] },
    });
    const reader = gitlab.groupPendingJobsReader('lab', { includeSubgroups: true });
    const older = await reader.read();
    expect(reader.asksGroupRunnerSetting).toBe(false);
    expect(older.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([seen!.id, hidden!.id]));
    expect(older.groupRunnersOff).toEqual([]);

    // Turned on again: its jobs are read like any other's.
    t.sim.setGroupRunnersEnabled(off.id, true);
    const again = await gitlab.groupPendingJobsReader('lab', { includeSubgroups: true }).read();
    expect(again.jobs.map((j) => j.id)).toContain(hidden!.id);
    for (const job of [hidden!, seen!]) t.sim.removeJob(job.id);
  });

  it('fails with MR_GITLAB_GRAPHQL naming GitLab’s message when GitLab refuses the query', async () => {
    const gitlab = t.client();
    t.sim.inject({
      endpoint: 'POST /api/graphql',
      status: 200,
      times: Number.POSITIVE_INFINITY,
      body: { errors: [{ message: "Field 'jobKind' doesn't exist on type 'Pipeline'" }] },
    });
    await expect(
      gitlab.groupPendingJobsReader('lab', { includeSubgroups: true }).read(),
    ).rejects.toMatchObject({
      code: 'MR_GITLAB_GRAPHQL',
      message: expect.stringContaining("Field 'jobKind' doesn't exist"),
      hint: expect.stringContaining('GitLab 16.0'),
    });
    t.sim.clearFaults();
    await expect(
      gitlab.groupPendingJobsReader('nowhere', { includeSubgroups: true }).read(),
    ).rejects.toMatchObject({
      code: 'MR_GITLAB_GRAPHQL',
    });
  });
});
