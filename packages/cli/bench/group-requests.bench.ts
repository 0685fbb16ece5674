// GitLab requests per launcher cycle for a whole group (run with `pnpm bench group-requests`): a simulated
// group of 500 projects (200 of them in two subgroups) with 20 pending jobs spread over them, a config
// with `group` and the default `[poll]` settings (interval 30 s as in the documented example, adaptive),
// registered by `configure` and polled by the launcher `run` opens (`openLauncher`, the same code path).
// Counts every request the simulator receives during each cycle, by endpoint:
// - first: the first cycle (it resolves the group, checks the runner tokens and launches for the 20 jobs);
// - steady: the median of the next cycles (nothing new: every job is covered by a launch in flight);
// - new project: the cycle after a project is created in a subgroup with one pending job.
// Target: at most 100 requests per cycle. Also prints what that means per minute at the
// 30 s interval, and at `fast_interval` (2 s, adaptive polling right after launches).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '@mr/gitlab-simulator';
import { openLauncher } from '@mr/launcher';
import { configure } from '@mr/registration';
import { loadConfig } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { quantile } from './stats.ts';

const PROJECTS = 500;
const JOBS = 20;
const STEADY_CYCLES = 9;
const TARGET = 100;

const projects = Array.from({ length: PROJECTS }, (_, i) => ({
  id: i + 1,
  path: i < 300 ? `lab/p${i}` : i < 400 ? `lab/sim/p${i}` : `lab/sim/deep/p${i}`,
}));
const sim = await startSimulator({
  groups: [{ path: 'lab' }, { path: 'lab/sim' }, { path: 'lab/sim/deep' }],
  projects,
});
const dir = makeTempDir('mr-bench-');
try {
  // 20 jobs in 20 projects across the group and its subgroups, for two instances.
  for (let i = 0; i < JOBS; i++)
    sim.addJobs([{ projectId: 1 + ((i * 37) % PROJECTS), tags: [i % 2 === 0 ? 'cpu' : 'gpu'] }]);
  const configFile = join(dir, 'meta.toml');
  writeFileSync(
    configFile,
    `name = "meta"
group = "lab"
hostname = "${sim.url}"
management_token = "${sim.token}"

[runners.cpu]
tags = ["cpu"]

[runners.gpu]
tags = ["gpu"]

[poll]
interval = 30

[launch]
executable = "sh"
args = ["-c", "echo id-$$$$"]

[runner]
builds_dir = "$HOME/builds/$NAME"
cache_dir = "$HOME/cache"
executor = "shell"
`,
  );
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const config = await loadConfig(configFile, { env });
  const dataDir = join(dir, 'data');
  const context = { thisPath: '/usr/bin/true', env, home: dir, configFile };
  const configured = await configure({ config, dataDir, context });
  if (configured.failed.length > 0) throw new Error(configured.failed[0]!.error.message);

  const { launcher, client } = await openLauncher({ config, dataDir, thisPath: '/usr/bin/true', env });
  const counted = async () => {
    const before = sim.requestCounts();
    const total = sim.requestCount();
    const result = await launcher.cycle();
    const after = sim.requestCounts();
    const by = Object.entries(after)
      .map(([endpoint, n]) => [endpoint, (n ?? 0) - (before[endpoint as keyof typeof before] ?? 0)] as const)
      .filter(([, n]) => n > 0);
    return { requests: sim.requestCount() - total, by, result };
  };
  const first = await counted();
  if (first.result.pending !== JOBS)
    throw new Error(`expected ${JOBS} pending jobs, got ${first.result.pending}`);
  const steady: number[] = [];
  let steadyBy: (typeof first)['by'] = [];
  for (let i = 0; i < STEADY_CYCLES; i++) {
    const cycle = await counted();
    steady.push(cycle.requests);
    steadyBy = cycle.by;
  }
  const created = sim.addProject({ path: 'lab/sim/new-project' });
  sim.addJobs([{ projectId: created.id, tags: ['cpu'] }]);
  const fresh = await counted();
  if (fresh.result.launched !== 1) throw new Error('the new project’s job was not launched for');
  await launcher.close();
  await client.close();

  const median = quantile(steady, 0.5);
  const worst = Math.max(first.requests, median, fresh.requests);
  const show = (by: (typeof first)['by']) => by.map(([e, n]) => `${e}: ${n}`).join(', ');
  console.log(
    `${PROJECTS} projects (200 in subgroups), ${JOBS} pending jobs, 2 instances, [poll] interval 30 s`,
  );
  console.log(
    `first cycle: ${first.requests} requests (${show(first.by)}), launched ${first.result.launched}`,
  );
  console.log(`steady cycles: median ${median}, all ${steady.join(' ')} (${show(steadyBy)})`);
  console.log(`cycle after a new project: ${fresh.requests} requests (${show(fresh.by)})`);
  console.log(
    `per minute: ${(median * 2).toFixed(0)} at the 30 s interval, ${(median * 30).toFixed(0)} at fast_interval (2 s); GitLab.com allows 2,000`,
  );
  console.log(
    `RESULT group-requests-first ${first.requests} requests target=<=${TARGET} ok=${first.requests <= TARGET}`,
  );
  console.log(`RESULT group-requests-steady ${median} requests target=<=${TARGET} ok=${median <= TARGET}`);
  console.log(
    `RESULT group-requests-new-project ${fresh.requests} requests target=<=${TARGET} ok=${worst <= TARGET}`,
  );
} finally {
  await sim.close();
  removeTempDirs();
}
