// The whole path, at default settings (run with `pnpm bench whole-path`): jobs pending in the GitLab
// simulator are found by `gitlab-meta-runner run` (poll interval 30 s, the documented example), launched
// through a local batch command, taken by the stand-in gitlab-runner, and run stage by stage by
// `gitlab-meta-runner executor` with the stand-in apptainer. Reports per job:
// - pending-to-taken: from the job's creation to its runner taking it (median and p95, seconds);
// - executor own time: the executor calls' total time minus the stage scripts' own time (median, ms).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeTempDirs } from '@mr/test-support';
import { startWholePath } from '../test/whole-path-fixture.ts';
import { quantile } from './stats.ts';

const JOBS = 8;

const path = await startWholePath({ interval: 30, prefix: 'mr-bench-' });
const { sim, record } = path;
const jobs = sim.addJobs(
  Array.from({ length: JOBS }, (_, i) => ({
    tags: ['cpu'],
    image: 'alpine:3.20',
    script: [`echo job ${i}`],
  })),
);
await sim.waitFor(() => jobs.every((j) => ['success', 'failed'].includes(sim.job(j.id)!.status)), {
  timeoutMs: 600_000,
  description: 'every job to end',
});
// Each runner writes its record when it exits (about --wait-timeout after its last job).
const recorded = () => {
  try {
    return readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l).jobs as number[]).length;
  } catch {
    return 0;
  }
};
for (let i = 0; i < 600 && recorded() < JOBS; i++) await sleep(100);
const failed = jobs.filter((j) => sim.job(j.id)!.status !== 'success');
if (failed.length > 0)
  console.log(
    `${failed.length} jobs failed; first log:\n${sim.jobTrace(failed[0]!.id)}\n${path.stderr().slice(-2000)}`,
  );
const taken = jobs.map((j) => {
  const job = sim.job(j.id)!;
  return (job.startedAt!.getTime() - job.createdAt.getTime()) / 1000;
});
const reports = readFileSync(record, 'utf8')
  .trim()
  .split('\n')
  .flatMap((l) => (JSON.parse(l).reports ?? []) as { callsMs: number; scriptsMs: number }[]);
const own = reports.map((r) => r.callsMs - r.scriptsMs);
console.log(`jobs ${JOBS}, runs ${reports.length}`);
console.log(`RESULT pending-to-taken-median ${quantile(taken, 0.5).toFixed(1)} s target=baseline ok=true`);
console.log(`RESULT pending-to-taken-p95 ${quantile(taken, 0.95).toFixed(1)} s target=baseline ok=true`);
console.log(`RESULT executor-own-time-median ${quantile(own, 0.5).toFixed(0)} ms target=baseline ok=true`);
console.log(`RESULT executor-own-time-p95 ${quantile(own, 0.95).toFixed(0)} ms target=baseline ok=true`);
await path.close();
removeTempDirs();
