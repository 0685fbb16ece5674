// Listing 10,000 pending jobs (100 pages of 100) from the simulator with GitLabClient.listPendingJobs, as a
// ratio to a bare loop of undici requests fetching the same pages (JSON-parsed, nothing else) in the same
// run. Each round times both a few times, back to back and alternating which goes first, and keeps the best
// time of each; the result is the median of the rounds' ratios, which cancels most of the noise of a shared
// machine. Target: at most 1.2x.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startSimulator } from '../../gitlab-simulator/src/index.js';
import { GitLabClient } from '../src/index.js';

const jobs = 10_000;
const rounds = 11;
const tries = 3;
const target = 1.2;

const sim = await startSimulator();
sim.addJobs(
  Array.from({ length: jobs }, (_, i) => ({ tags: i % 3 ? ['cpu'] : ['gpu', 'slurm'], name: `job-${i}` })),
);

const client = new GitLabClient({ baseUrl: sim.url, token: sim.token });
const withClient = async () => {
  const listed = await client.listPendingJobs(sim.project.id);
  if (listed.length !== jobs) throw new Error(`client listed ${listed.length} jobs, expected ${jobs}`);
};

// The pages the client reads, fetched again by a bare loop.
const before = sim.requests.length;
await withClient();
const pages = sim.requests.slice(before).map((r) => r.path);
if (pages.length !== 100) throw new Error(`expected 100 pages, the client read ${pages.length}`);

const pool = new Pool(sim.url, { connections: 8 });
const bare = async () => {
  let count = 0;
  for (const path of pages) {
    const response = await pool.request({ method: 'GET', path, headers: { 'private-token': sim.token } });
    count += ((await response.body.json()) as unknown[]).length;
  }
  if (count !== jobs) throw new Error(`bare loop read ${count} jobs`);
};

const gc = (globalThis as { gc?: () => void }).gc;
const time = async (fn: () => Promise<void>) => {
  gc?.();
  const start = performance.now();
  await fn();
  return performance.now() - start;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

for (let i = 0; i < 2; i++) {
  await bare();
  await withClient();
}
const clientTimes: number[] = [];
const bareTimes: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Each round keeps the best of a few back-to-back tries of each: other processes only ever add time.
  let bestClient = Number.POSITIVE_INFINITY;
  let bestBare = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < tries; attempt++) {
    if ((round + attempt) % 2 === 0) {
      bestClient = Math.min(bestClient, await time(withClient));
      bestBare = Math.min(bestBare, await time(bare));
    } else {
      bestBare = Math.min(bestBare, await time(bare));
      bestClient = Math.min(bestClient, await time(withClient));
    }
  }
  clientTimes.push(bestClient);
  bareTimes.push(bestBare);
}
await client.close();
await pool.close();
await sim.close();

const ratio = median(clientTimes.map((t, i) => t / bareTimes[i]!));
const list = (times: number[]) => times.map((t) => t.toFixed(0)).join(' ');
console.log(
  `client: median ${median(clientTimes).toFixed(1)} ms over ${rounds} rounds (${list(clientTimes)})`,
);
console.log(`bare undici loop: median ${median(bareTimes).toFixed(1)} ms (${list(bareTimes)})`);
console.log(`RESULT gitlab-api.list-10k-jobs ${ratio.toFixed(3)} x target=<=${target} ok=${ratio <= target}`);
