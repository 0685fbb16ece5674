// Jobs through the whole path: the simulator's pending jobs are found by `gitlab-meta-runner run`, launched
// through a local batch command, taken by the stand-in gitlab-runner, and run stage by stage by
// `gitlab-meta-runner executor` (the generated [runners.custom] commands) in the stand-in apptainer; their
// logs and final states come back to the simulator. The markers are computed by the shell
// (`$((…))`), so they appear in a log only as a stage's real output, never as the echoed command line.
import { removeTempDirs } from '@mr/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWholePath, type WholePath } from './whole-path-fixture.ts';

describe('whole path with our executor', () => {
  let path: WholePath;
  beforeAll(async () => {
    path = await startWholePath({ interval: 1, prefix: 'mr-whole-path-' });
  });
  afterAll(async () => {
    await path?.close();
    removeTempDirs();
  });

  it('runs a passing, a failing and an after_script job and returns their logs and states', async () => {
    const { sim } = path;
    const [passing, failing, after] = sim.addJobs([
      { tags: ['cpu'], image: 'alpine:3.20', script: ['echo "pass-marker-$((6*7))"'] },
      { tags: ['cpu'], image: 'alpine:3.20', script: ['echo "fail-marker-$((5*5))"', 'exit 3'] },
      {
        tags: ['cpu'],
        image: 'alpine:3.20',
        script: ['echo "script-marker-$((3*3))"', 'exit 1'],
        afterScript: ['echo "after-marker-$((8*8))"'],
      },
    ]);
    const ids = [passing!.id, failing!.id, after!.id];
    const ended = (id: number) => ['success', 'failed', 'canceled'].includes(sim.job(id)!.status);
    try {
      await sim.waitFor(() => ids.every(ended), { timeoutMs: 170_000, description: 'every job to end' });
    } catch (error) {
      const states = ids.map((id) => `${id}: ${sim.job(id)!.status}\n${sim.jobTrace(id)}`).join('\n');
      throw new Error(`${error}\n${states}\nrun stderr:\n${path.stderr().slice(-3000)}`);
    }

    const job = (id: number) => ({ ...sim.job(id)!, trace: sim.jobTrace(id) });
    expect(job(passing!.id)).toMatchObject({ status: 'success' });
    expect(job(passing!.id).trace).toContain('pass-marker-42');

    expect(job(failing!.id)).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(job(failing!.id).trace).toContain('fail-marker-25');

    expect(job(after!.id)).toMatchObject({ status: 'failed' });
    expect(job(after!.id).trace).toContain('script-marker-9');
    expect(job(after!.id).trace).toContain('after-marker-64');
  });
});
