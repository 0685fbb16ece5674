// Benchmarks of the launch cycle against the GitLab simulator on loopback (run with `pnpm bench launcher`):
//
// 1. cycle-ratio: a full cycle (status refresh, every page of 10,000 pending jobs, matching to 50 instances,
//    planning, saving the state) in steady state — every job already covered by launches in flight, so no
//    launch process runs — as a ratio to fetching the same pages bare (HTTP GET + JSON.parse, following the
//    next-page links). Target ≤ 1.3.
// 2. cycle-memory-growth: heap growth over 1,000 cycles that each launch a real process and forget old
//    launches (pickup timeout), after a warm-up. Target < 10 MB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitLabClient } from '@mr/gitlab-api';
import { startSimulator } from '@mr/gitlab-simulator';
import { Launcher, type LauncherSettings } from '../src/index.js';

const INSTANCES = 50;
const JOBS = 10_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function settings(groupSize: number, extra: Partial<LauncherSettings> = {}): LauncherSettings {
  return {
    name: 'bench',
    instances: Array.from({ length: INSTANCES }, (_, i) => ({
      name: `inst-${i}`,
      tags: [`t${i}`, `site-${i % 5}`],
      runUntagged: i === 0,
      launchPriority: i % 3 === 0 ? i : undefined,
      groupSize,
    })),
    batchSystem: 'generic',
    timeoutMs: 30_000,
    cancelStale: false,
    pickupTimeoutMs: 24 * 3600_000,
    concurrency: 4,
    failureBackoffMs: 30_000,
    ...extra,
  };
}

/** GET every page the way a minimal client would: fetch + JSON.parse, following `Link: rel="next"`. */
async function bareFetch(baseUrl: string, token: string, projectId: number): Promise<number> {
  let url: string | undefined =
    `${baseUrl}/api/v4/projects/${projectId}/jobs?scope[]=pending&per_page=100&pagination=keyset&order_by=id&sort=desc`;
  let count = 0;
  while (url) {
    const response: Response = await fetch(url, { headers: { 'PRIVATE-TOKEN': token } });
    const jobs = (await response.json()) as unknown[];
    count += jobs.length;
    const link = response.headers.get('link') ?? '';
    url = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  }
  return count;
}

async function cycleRatio(): Promise<void> {
  const sim = await startSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'mr-bench-'));
  try {
    sim.addJobs(
      Array.from({ length: JOBS }, (_, i) => ({ tags: i % 97 === 0 ? [] : [`t${i % INSTANCES}`] })),
    );
    const client = new GitLabClient({ baseUrl: sim.url, token: sim.token });
    const projectId = sim.project.id;
    const launcher = await Launcher.open({
      settings: settings(1000),
      launchSettings: () => ({ executable: 'true', args: [] }),
      listPendingJobs: (signal) => client.listPendingJobs(projectId, { signal }),
      stateFile: join(dir, 'bench.state'),
      env: { PATH: process.env.PATH },
    });
    // The first cycle launches one group per instance (jobs ÷ group size); after that every job is covered.
    const first = await launcher.cycle();
    if (first.pending !== JOBS) throw new Error(`expected ${JOBS} pending jobs, got ${first.pending}`);
    const bare: number[] = [];
    const listed: number[] = [];
    const cycle: number[] = [];
    for (let i = 0; i < 3; i++) {
      await bareFetch(sim.url, sim.token, projectId);
      await launcher.cycle();
    }
    for (let i = 0; i < 15; i++) {
      let t = performance.now();
      const n = await bareFetch(sim.url, sim.token, projectId);
      bare.push(performance.now() - t);
      if (n !== JOBS) throw new Error(`bare fetch saw ${n} jobs`);
      t = performance.now();
      await client.listPendingJobs(projectId);
      listed.push(performance.now() - t);
      t = performance.now();
      const result = await launcher.cycle();
      cycle.push(performance.now() - t);
      if (result.launched !== 0 || result.pending !== JOBS)
        throw new Error('the steady-state cycle launched');
    }
    await launcher.close();
    const ratio = median(cycle) / median(bare);
    console.log(
      `cycle over ${JOBS} jobs / ${INSTANCES} instances: median ${median(cycle).toFixed(1)} ms; bare page fetch ${median(bare).toFixed(1)} ms; GitLabClient.listPendingJobs ${median(listed).toFixed(1)} ms`,
    );
    const overhead = median(cycle) / median(listed);
    console.log(`RESULT cycle-over-listing ${overhead.toFixed(2)} x target=info ok=true`);
    console.log(`RESULT cycle-ratio ${ratio.toFixed(2)} x target=<=1.3 ok=${ratio <= 1.3}`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function memoryGrowth(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (pnpm bench does)');
  const sim = await startSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'mr-bench-'));
  try {
    // 250 jobs no instance takes (read, matched and reported once every cycle) and a stream of new jobs.
    sim.addJobs(Array.from({ length: 250 }, () => ({ tags: ['nobody'] })));
    const client = new GitLabClient({ baseUrl: sim.url, token: sim.token });
    const clock = { now: Date.now() };
    const launcher = await Launcher.open({
      // Launches are forgotten after 5 simulated minutes; the clock moves one minute per cycle.
      settings: settings(1, { pickupTimeoutMs: 5 * 60_000 }),
      launchSettings: () => ({ executable: 'true', args: [] }),
      listPendingJobs: (signal) => client.listPendingJobs(sim.project.id, { signal }),
      stateFile: join(dir, 'bench.state'),
      env: { PATH: process.env.PATH },
      now: () => new Date(clock.now),
    });
    const recent: number[][] = [];
    let cycles = 0;
    const oneCycle = async () => {
      // Churn: a job arrives and is launched for; the job of two cycles ago is taken (it leaves the list).
      const [added] = sim.addJobs([{ tags: [`t${cycles % INSTANCES}`] }]);
      recent.push([added!.id]);
      if (recent.length > 2) for (const id of recent.shift()!) sim.cancelJob(id);
      clock.now += 60_000;
      cycles++;
      const result = await launcher.cycle();
      if (result.launched !== 1) throw new Error(`cycle ${cycles} launched ${result.launched}`);
    };
    for (let i = 0; i < 100; i++) await oneCycle();
    gc();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await oneCycle();
      times.push(performance.now() - t);
    }
    gc();
    const after = process.memoryUsage().heapUsed;
    await launcher.close();
    const growthMb = (after - before) / 1024 / 1024;
    console.log(
      `1,000 cycles in ${((performance.now() - started) / 1000).toFixed(1)} s (median ${median(times.slice(0, 100)).toFixed(1)} ms in the first 100, ${median(times.slice(-100)).toFixed(1)} ms in the last 100); heap ${(before / 1048576).toFixed(1)} MB → ${(after / 1048576).toFixed(1)} MB`,
    );
    console.log(`RESULT cycle-memory-growth ${growthMb.toFixed(2)} MB target=<10 ok=${growthMb < 10}`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await cycleRatio();
await memoryGrowth();
