// The whole path for a group: a job of a subgroup's project is found by `gitlab-meta-runner run` through
// GraphQL, launched through a local batch command, taken by the stand-in gitlab-runner with the group
// runner's token, and run by `gitlab-meta-runner executor` in the stand-in apptainer, isolated in a busybox
// image; its log and state come back to the simulator.
import { isolationUnavailable, removeTempDirs } from '@mr/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWholePath, type WholePath } from './whole-path-fixture.ts';

const missing = isolationUnavailable();
describe.skipIf(missing)(`whole path for a group${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let path: WholePath;
  beforeAll(async () => {
    path = await startWholePath({ interval: 0.5, prefix: 'mr-e2e-group-', group: true });
  });
  afterAll(async () => {
    await path?.close();
    removeTempDirs();
  });

  it('runs a subgroup project’s job on a group runner, through the executor, in its image', async () => {
    const { sim } = path;
    const [runner] = sim.runners();
    expect(runner).toMatchObject({ runnerType: 'group_type' });
    const [job] = sim.addJobs([
      {
        projectId: 2,
        tags: ['cpu'],
        image: 'alpine:3.20',
        script: ['echo "group-marker-$((6*7)) $CI_PROJECT_PATH"'],
      },
    ]);
    await sim.waitFor(() => ['success', 'failed'].includes(sim.job(job!.id)!.status), {
      timeoutMs: 170_000,
      description: 'the job to end',
    });
    const trace = sim.jobTrace(job!.id);
    expect(sim.job(job!.id), trace).toMatchObject({ status: 'success', runnerId: runner!.id });
    expect(trace).toContain('group-marker-42 bench/sub/deep');
    // The launcher saw it among the group's pending jobs (read through GraphQL, not per project).
    expect(path.stderr()).toMatch(/^cycle pending=1 matched=cpu:1 /m);
    expect(sim.requestCount('POST /api/graphql')).toBeGreaterThan(0);
    expect(sim.requestCount('GET /projects/:id/jobs')).toBe(0);
  });
});
