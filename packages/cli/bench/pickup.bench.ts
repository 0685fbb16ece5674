// Pickup latency (run with `pnpm bench pickup`): the time from a job becoming pending in the GitLab simulator
// to its launch, i.e. the call of the batch command (a local background batch system), for four
// `gitlab-meta-runner run` processes side by side, each with its own simulator:
// - original: `[poll] adaptive = false`, `interval = 30` (the fixed interval of the original launcher);
// - adaptive: `interval = 30`, every other key at its default;
// - webhook: the same plus `[poll.webhook]`, fed by the simulator's job hooks (created, pending, running and
//   finished, as GitLab sends them);
// - adaptive-5s: adaptive with `interval = 5`, not a default: what a short idle interval gives and costs.
// Besides the latencies, the launcher's requests to GitLab per minute (the cost under GitLab's rate limits).
// Workloads (MR_BENCH_PICKUP_WORKLOADS, comma-separated; default `arrivals,stages`), one after the other:
// - arrivals: each arrival on an idle launcher: 8 jobs one by one, then 4 bursts of 10 jobs at once (one
//   pipeline). Before each arrival the bench waits until the variant's run has relaxed (every job taken,
//   and a cycle since decided to wait the whole interval), then a random time of up to 30 s, so that
//   arrivals fall anywhere in the poll phase.
// - stages: pipelines of 3 stages, 4 pipelines with 1 job per stage, then 4 with 5 (pickup-stages.ts): the
//   first stage arrives on an idle launcher like the arrivals above; each later stage becomes pending the
//   moment the previous one ended, right after the launcher was busy. Jobs run 5 to 35 s.
// Every variant draws the same sequence of random times, so that the variants are compared arrival by
// arrival (the ratios to the original are paired). Also reported: pending to taken (the stand-in runner took
// the job).
// Sizes: MR_BENCH_PICKUP_SINGLE (8), MR_BENCH_PICKUP_BURSTS (4), MR_BENCH_PICKUP_BURST_SIZE (10),
// MR_BENCH_PICKUP_PIPELINES (4 per width), MR_BENCH_PICKUP_WIDTHS (`1,5`), MR_BENCH_PICKUP_STAGES (3),
// MR_BENCH_PICKUP_JOB_S (`5-35`); MR_BENCH_PICKUP_SEED fixes the random times.
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeTempDirs } from '@mr/test-support';
import { eventually } from '../test/launch-fixture.ts';
import { type Arrival, type Figures, type PickupRun, startPickupRun } from './pickup-run.ts';
import { feedStages, stageKinds } from './pickup-stages.ts';
import { quantile, seededRandom } from './stats.ts';

const SINGLE = Number(process.env.MR_BENCH_PICKUP_SINGLE ?? 8);
const BURSTS = Number(process.env.MR_BENCH_PICKUP_BURSTS ?? 4);
const BURST_SIZE = Number(process.env.MR_BENCH_PICKUP_BURST_SIZE ?? 10);
const SEED = Number(process.env.MR_BENCH_PICKUP_SEED ?? Date.now() % 1_000_000);
const WORKLOADS = new Set((process.env.MR_BENCH_PICKUP_WORKLOADS ?? 'arrivals,stages').split(','));
const WIDTHS = (process.env.MR_BENCH_PICKUP_WIDTHS ?? '1,5').split(',').map(Number);
const JOB_S = (process.env.MR_BENCH_PICKUP_JOB_S ?? '5-35').split('-').map(Number) as [number, number];
/** After the launcher has relaxed, an arrival comes after up to this long (drawn uniformly). */
const PHASE_S = 30;
/** The longest a variant may take to relax before the bench gives up on it. */
const RELAX_MS = 180_000;
/** How long after the last arrival every launch must have been seen; a launch missing then is lost. */
const SETTLE_MS = 120_000;

const variants = [
  { name: 'original', poll: 'adaptive = false', webhook: false },
  { name: 'adaptive', poll: '', webhook: false },
  { name: 'webhook', poll: '', webhook: true },
  { name: 'adaptive-5s', poll: '', webhook: false, interval: 5 },
];

interface Cost {
  lists: number;
  api: number;
  minutes: number;
}

/**
 * Adds the workloads' jobs to one variant's simulator at random times; returns the arrivals and, per
 * workload, the launcher's requests per minute while it ran.
 */
async function feed(
  run: PickupRun,
  random: () => number,
): Promise<{ arrivals: Arrival[]; costs: Record<string, Cost> }> {
  const arrivals: Arrival[] = [];
  const costs: Record<string, Cost> = {};
  let from = { at: Date.now(), ...run.requests() };
  const cost = (workload: string) => {
    const now = { at: Date.now(), ...run.requests() };
    const minutes = (now.at - from.at) / 60_000;
    costs[workload] = {
      lists: (now.lists - from.lists) / minutes,
      api: (now.api - from.api) / minutes,
      minutes,
    };
    from = now;
  };
  const gap = async () => {
    await eventually(() => run.relaxed(), RELAX_MS, `${run.name} to relax`);
    await sleep(random() * PHASE_S * 1000);
  };
  if (WORKLOADS.has('arrivals')) {
    for (let i = 0; i < SINGLE; i++) {
      await gap();
      arrivals.push(run.add('single', 1));
    }
    for (let i = 0; i < BURSTS; i++) {
      await gap();
      arrivals.push(run.add('burst', BURST_SIZE));
    }
    cost('arrivals');
  }
  if (WORKLOADS.has('stages'))
    arrivals.push(
      ...(await feedStages(run, random, {
        pipelines: Number(process.env.MR_BENCH_PICKUP_PIPELINES ?? 4),
        widths: WIDTHS,
        stages: Number(process.env.MR_BENCH_PICKUP_STAGES ?? 3),
        jobSeconds: JOB_S,
        phaseMs: PHASE_S * 1000,
        relaxMs: RELAX_MS,
      })),
    );
  if (WORKLOADS.has('stages')) cost('stages');
  return { arrivals, costs };
}

const loads: number[] = [];
const sampleLoad = setInterval(() => loads.push(loadavg()[0]!), 5000);
console.log(
  `${cpus().length} × ${cpus()[0]?.model}; seed ${SEED}; workloads ${[...WORKLOADS].join(',')}: ${SINGLE} single jobs, ${BURSTS} bursts of ${BURST_SIZE}; ${process.env.MR_BENCH_PICKUP_PIPELINES ?? 4} pipelines per width ${WIDTHS.join(',')} of ${process.env.MR_BENCH_PICKUP_STAGES ?? 3} stages, jobs of ${JOB_S.join('-')} s; arrivals 0-${PHASE_S} s after the launcher relaxed; load before ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const runs = await Promise.all(variants.map((v) => startPickupRun(v)));
let failed = false;
try {
  const fed = await Promise.all(runs.map((run) => feed(run, seededRandom(SEED))));
  const arrivals = fed.map((f) => f.arrivals);
  const expected = arrivals.map((list) => list.reduce((n, a) => n + a.jobs.length, 0));
  await eventually(
    () => runs.every((run, i) => run.launchTimes().length >= expected[i]!),
    SETTLE_MS,
    'a launch for every job',
  ).catch(() => {});
  // The runners take their jobs a moment after their launch.
  await eventually(() => runs.every((run) => run.allTaken()), 30_000, 'every job taken').catch(() => {});

  const table: Record<string, Record<string, Figures>> = {};
  const paces: Record<string, number>[] = [];
  for (const [i, run] of runs.entries()) {
    const result = run.measure(arrivals[i]!);
    table[run.name] = result.figures;
    paces.push(result.paces);
    if (result.problems.length > 0) {
      failed = true;
      console.log(`${run.name}: ${result.problems.join('; ')}`);
      console.log(run.diagnostics());
    }
  }
  const loadText = `load 1-min avg during the run: median ${quantile(loads, 0.5).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`;
  console.log(loadText);
  console.log(
    `${'variant'.padEnd(12)} ${'workload metric'.padEnd(36)}   n  median     p95   median and p95 / original`,
  );
  const ratio = (a: number, b: number | undefined) => (b ? `×${(a / b).toFixed(3)}` : '-');
  for (const run of runs)
    for (const [key, f] of Object.entries(table[run.name]!)) {
      const base = table.original?.[key];
      console.log(
        `${run.name.padEnd(12)} ${key.padEnd(36)} ${String(f.n).padStart(3)} ${f.median.toFixed(2).padStart(7)} ${f.p95.toFixed(2).padStart(7)}   ${ratio(f.median, base?.median)} ${ratio(f.p95, base?.p95)}`,
      );
    }
  for (const [i, run] of runs.entries())
    console.log(`${run.name}: arrivals by the run's last pace: ${JSON.stringify(paces[i])}`);
  console.log('variant      workload   job lists/min   API requests/min (runner side excluded)   minutes');
  for (const [i, run] of runs.entries())
    for (const [workload, c] of Object.entries(fed[i]!.costs))
      console.log(
        `${run.name.padEnd(12)} ${workload.padEnd(10)} ${c.lists.toFixed(1).padStart(13)} ${c.api.toFixed(1).padStart(18)} ${c.minutes.toFixed(1).padStart(42)}`,
      );
  const figure = (name: string, value: number | undefined, target: string, ok: boolean) => {
    if (value !== undefined) console.log(`RESULT ${name} ${value.toFixed(2)} s target=${target} ok=${ok}`);
  };
  const adaptive = table.adaptive!;
  const hook = table.webhook!;
  const later = WIDTHS.map((w) => stageKinds(w).later);
  for (const [i, run] of runs.entries()) {
    const t = table[run.name]!;
    for (const [workload, c] of Object.entries(fed[i]!.costs))
      console.log(
        `RESULT pickup-${run.name}-${workload}-job-lists ${c.lists.toFixed(1)} per-min target=baseline ok=true`,
      );
    for (const [key, name] of [
      ['single pending-launch', 'single'],
      ['burst pending-launch', 'burst'],
      ...later.map((k) => [`${k} pending-launch`, k.replace(/[×\s]+/g, '-')]),
    ] as const) {
      figure(`pickup-${run.name}-${name}-median`, t[key]?.median, 'baseline', true);
      figure(`pickup-${run.name}-${name}-p95`, t[key]?.p95, 'baseline', true);
    }
  }
  if (WORKLOADS.has('arrivals')) {
    const hookMedian = Math.max(hook['single pending-launch']!.median, hook['burst pending-launch']!.median);
    figure('pickup-webhook-median', hookMedian, '≤1s', hookMedian <= 1);
    const served = adaptive['burst last-launch']!.p95;
    figure('pickup-adaptive-burst-served-p95', served, '≤5s', served <= 5);
    const spread = adaptive['burst first-to-last-launch']!.p95;
    figure('pickup-adaptive-burst-spread-p95', spread, '≤5s', spread <= 5);
  }
  // A later stage is served once its last job is launched (one job per stage: its only one).
  for (const [w, kind] of later.entries()) {
    const served = (WIDTHS[w]! > 1 ? adaptive[`${kind} last-launch`] : adaptive[`${kind} pending-launch`])
      ?.p95;
    figure(
      `pickup-adaptive-${kind.replace(/[×\s]+/g, '-')}-served-p95`,
      served,
      '≤5s',
      (served ?? Infinity) <= 5,
    );
    const hookMedian = hook[`${kind} pending-launch`]?.median;
    figure(
      `pickup-webhook-${kind.replace(/[×\s]+/g, '-')}-median`,
      hookMedian,
      '≤1s',
      (hookMedian ?? Infinity) <= 1,
    );
  }
  console.log(loadText);
} finally {
  clearInterval(sampleLoad);
  await Promise.all(runs.map((run) => run.close()));
  removeTempDirs();
}
if (failed) process.exitCode = 1;
