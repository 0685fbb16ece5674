// The end-to-end suite, run through a local batch command (whole-path.test.ts) and through the real one-node
// Slurm (whole-path.slurm.test.ts): jobs defined in the simulator are found by `gitlab-meta-runner run`,
// launched, taken by the stand-in gitlab-runner, and run stage by stage by `gitlab-meta-runner executor` in
// the stand-in apptainer, isolated by bubblewrap in a busybox image from the local registry; their logs,
// states, caches and artifacts come back. Markers are computed by the shell (`$((…))`), so they appear in a
// log only as a stage's real output, never as the echoed command line.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readZip } from '@mr/gitlab-simulator';
import { isolationUnavailable, removeTempDirs } from '@mr/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWholePath, type WholePath } from './whole-path-fixture.ts';

/** The pids of live processes whose environment has exactly `entry` (KEY=VALUE). */
export function processesWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      // Ended while we looked, or not ours to read.
    }
  }
  return pids;
}

/** Resolves once `check()` is true, polling every 100 ms; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function endToEndSuite(options: { slurm: boolean; unavailable?: string | undefined }): void {
  const missing = isolationUnavailable();
  if (missing && process.env.CI)
    throw new Error(`${missing}: CI must run the end-to-end tests isolated (.ci/run installs it)`);
  const skip = options.unavailable ?? (missing ? `image stages cannot run isolated: ${missing}` : undefined);
  const title = `whole path end to end${options.slurm ? ' on Slurm' : ''}`;

  describe.skipIf(skip)(`${title}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let path: WholePath;
    beforeAll(async () => {
      path = await startWholePath({
        interval: 0.5,
        prefix: options.slurm ? 'mr-e2e-slurm-' : 'mr-e2e-',
        slurm: options.slurm,
      });
    });
    afterAll(async () => {
      await path?.close();
      removeTempDirs();
    });

    const ended = (id: number) => ['success', 'failed', 'canceled'].includes(path.sim.job(id)!.status);
    async function waitForEnd(ids: number[]): Promise<void> {
      try {
        await path.sim.waitFor(() => ids.every(ended), { timeoutMs: 170_000, description: 'jobs to end' });
      } catch (error) {
        const states = ids.map((id) => `${id}: ${path.sim.job(id)!.status}\n${path.sim.jobTrace(id)}`);
        throw new Error(`${error}\n${states.join('\n')}\nrun stderr:\n${path.stderr().slice(-3000)}`);
      }
    }

    it('ends jobs as success, failed with the exit code, allowed to fail, and runs after_script after a failure', async () => {
      const { sim } = path;
      expect(path.isolated).toBe(true);
      const [passing, failing, allowed, after] = sim.addJobs([
        {
          tags: ['cpu'],
          image: 'alpine:3.20',
          script: ['echo "pass-marker-$((6*7))"', 'echo "image=$(cat /etc/mr-image)"'],
        },
        { tags: ['cpu'], image: 'alpine:3.20', script: ['echo "fail-marker-$((5*5))"', 'exit 3'] },
        {
          tags: ['cpu'],
          image: 'alpine:3.20',
          script: ['echo "flaky-marker-$((2*2))"', 'exit 4'],
          allowFailureExitCodes: [4],
        },
        {
          tags: ['cpu'],
          image: 'busybox:1.36',
          script: ['echo "script-marker-$((3*3))"', 'exit 1'],
          afterScript: ['echo "after-marker-$((8*8)) status=$CI_JOB_STATUS image=$(cat /etc/mr-image)"'],
        },
      ]);
      await waitForEnd([passing!.id, failing!.id, allowed!.id, after!.id]);
      const job = (id: number) => ({ ...sim.job(id)!, trace: sim.jobTrace(id) });

      expect(job(passing!.id)).toMatchObject({ status: 'success' });
      expect(job(passing!.id).trace).toContain('pass-marker-42');
      // The stage ran in the pulled image's own root filesystem, not on the host.
      expect(job(passing!.id).trace).toContain('image=alpine:3.20');

      expect(job(failing!.id)).toMatchObject({
        status: 'failed',
        exitCode: 3,
        failureReason: 'script_failure',
        allowedToFail: false,
      });
      expect(job(failing!.id).trace).toContain('fail-marker-25');
      expect(job(failing!.id).trace).toContain('ERROR: Job failed: exit code 3');

      expect(job(allowed!.id)).toMatchObject({ status: 'failed', exitCode: 4, allowedToFail: true });
      expect(job(allowed!.id).trace).toContain('flaky-marker-4');

      const afterTrace = job(after!.id).trace;
      expect(job(after!.id)).toMatchObject({ status: 'failed', exitCode: 1 });
      expect(afterTrace).toContain('script-marker-9');
      expect(afterTrace).toContain('after-marker-64 status=failed image=busybox:1.36');
      expect(afterTrace.indexOf('after-marker-64')).toBeGreaterThan(afterTrace.indexOf('script-marker-9'));
    });

    it('cancels a job during its script: canceling, then canceled, the step gets SIGTERM and none of its processes remain', async () => {
      const { sim } = path;
      const marker = `E2E_CANCEL_MARKER=${randomUUID()}`;
      const [job] = sim.addJobs([
        {
          tags: ['cpu'],
          image: 'alpine:3.20',
          variables: { E2E_CANCEL_MARKER: marker.split('=')[1]! },
          script: [
            `trap 'echo "got-SIGTERM-$((40+3))"; exit 143' TERM`,
            'sh -c "sleep 300; echo never" &',
            'echo "started-$((2+2))"',
            'wait',
          ],
          afterScript: ['echo "after-cancel-$((7*7)) status=$CI_JOB_STATUS"'],
        },
      ]);
      await sim.waitFor(() => sim.jobTrace(job!.id).includes('started-4'), {
        timeoutMs: 170_000,
        description: 'the script to start',
      });
      // Processes the script starts carry its exported variables: the child shell and its sleep are found
      // by the marker in /proc/<pid>/environ.
      await until(() => processesWithEnv(marker).length >= 2, 30_000, 'the job processes in /proc');
      sim.cancelJob(job!.id);
      expect(sim.job(job!.id)!.status).toBe('canceling');
      await waitForEnd([job!.id]);
      expect(sim.job(job!.id)).toMatchObject({ status: 'canceled' });
      const trace = sim.jobTrace(job!.id);
      expect(trace).toContain('got-SIGTERM-43');
      expect(trace).toContain('after-cancel-49 status=canceled');
      expect(trace).toContain('ERROR: Job failed: canceled');
      await until(() => processesWithEnv(marker).length === 0, 30_000, 'no process of the job to remain');
    });

    it('restores in one job the cache another wrote, and stores the uploaded artifact as a zip archive', async () => {
      const { sim } = path;
      const cache = [{ key: 'deps', paths: ['deps/'] }];
      const [writer] = sim.addJobs([
        {
          tags: ['cpu'],
          image: 'alpine:3.20',
          cache,
          artifacts: [{ paths: ['out/'] }],
          script: [
            'mkdir -p deps out',
            'echo "cached-$((6*7))" > deps/file',
            'echo "artifact-$((9*9))" > out/report.txt',
          ],
        },
      ]);
      await waitForEnd([writer!.id]);
      expect(sim.job(writer!.id)!.status, sim.jobTrace(writer!.id)).toBe('success');

      // The artifact is the zip gitlab-runner uploads by default, stored by the simulator.
      const [artifact] = sim.jobArtifacts(writer!.id);
      expect(artifact).toMatchObject({ format: 'zip', type: 'archive', fileName: 'artifacts.zip' });
      const report = readZip(artifact!.data).find((e) => e.name === 'out/report.txt');
      expect(report?.data.toString()).toBe('artifact-81\n');

      // The cache is `<cache dir>/<project>/<key>/cache.zip`, a zip archive too.
      const cacheFile = join(path.dir, 'cache', 'bench/project', 'deps', 'cache.zip');
      const cached = readZip(readFileSync(cacheFile)).find((e) => e.name === 'deps/file');
      expect(cached?.data.toString()).toBe('cached-42\n');

      const [reader] = sim.addJobs([
        {
          tags: ['cpu'],
          image: 'alpine:3.20',
          cache,
          script: ['echo "restored=$(cat deps/file)"'],
        },
      ]);
      await waitForEnd([reader!.id]);
      const trace = sim.jobTrace(reader!.id);
      expect(sim.job(reader!.id)!.status, trace).toBe('success');
      expect(trace).toContain('Successfully extracted cache');
      expect(trace).toContain('restored=cached-42');
    });
  });
}
