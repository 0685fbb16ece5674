// The whole path, at default settings (run with `pnpm bench whole-path`): jobs pending in the GitLab
// simulator are found by `gitlab-meta-runner run` (poll interval 30 s, the documented example), launched
// through a local batch command, taken by the stand-in gitlab-runner, and run stage by stage by
// `gitlab-meta-runner executor` with the stand-in apptainer. Reports per job:
// - pending-to-taken: from the job's creation to its runner taking it (median and p95, seconds);
// - executor own time: the executor calls' total time minus the stage scripts' own time (median, ms).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulator } from '@mr/gitlab-simulator';
import { installStandInApptainer, makeTempDir, removeTempDirs, writeDevBin } from '@mr/test-support';

const JOBS = 8;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const dir = makeTempDir('mr-bench-');
const bin = join(dir, 'bin');
mkdirSync(bin, { recursive: true });
writeDevBin(bin, 'mr-gitlab-runner-standin', 'gitlab-runner');
const meta = writeDevBin(bin, 'gitlab-meta-runner');
const apptainer = installStandInApptainer(dir);
writeFileSync(
  join(bin, 'bg-submit'),
  '#!/bin/sh\nscript=$(mktemp)\ncat > "$script"\nnohup sh "$script" > "$script.out" 2>&1 < /dev/null &\necho $!\n',
  { mode: 0o755 },
);
const sim = await startSimulator({ projects: [{ id: 1, path: 'bench/project' }] });
const record = join(dir, 'runs.jsonl');
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  HOME: dir,
  BENCH_TOKEN: sim.token,
  MR_STANDIN_RECORD: record,
  MR_STANDIN_TIME_SCRIPTS: '1',
};
const config = join(dir, 'config.toml');
writeFileSync(
  config,
  `name = "bench"
project = "bench/project"
hostname = "${sim.url}"
management_token = "$BENCH_TOKEN"

[runners.cpu]
tags = ["cpu"]

[poll]
interval = 30

[launch]
executable = "bg-submit"
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""

[executor]
image_dir = "${join(dir, 'images')}"
apptainer_executable = "${apptainer.path}"

[runner]
builds_dir = "${join(dir, 'builds', '$NAME')}"
cache_dir = "${join(dir, 'cache')}"
`,
);
const cli = (args: string[]) =>
  spawn(meta, ['--config-file', config, '--data-dir', join(dir, 'data'), ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
const configured = cli(['configure']);
await new Promise((r) => configured.once('close', r));
const run = cli(['run']);
let stderr = '';
run.stderr!.on('data', (d) => (stderr += d));
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
run.kill('SIGTERM');
await new Promise((r) => run.once('close', r));
const failed = jobs.filter((j) => sim.job(j.id)!.status !== 'success');
if (failed.length > 0)
  console.log(
    `${failed.length} jobs failed; first log:\n${sim.jobTrace(failed[0]!.id)}\n${stderr.slice(-2000)}`,
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
await sim.close();
removeTempDirs();
