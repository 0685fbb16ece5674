// Thousands of pending jobs no instance can take, through `gitlab-meta-runner run` and `status`: the log
// summarises them per reason, once per job (not every cycle), and `status` lists a bounded number.
import { expect, it } from 'vitest';
import { eventually } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** An instance with a declared resource: jobs asking for more are refused with the reason. */
const flex = {
  tags: ['slurm'],
  extra: `[runners.flex.resources]
cpus = { default = "1", max = 8 }`,
};

const launch = `
executable = "sh"
args = ['-c', 'echo id-$$$$']
`;

it('summarises 10,000 unmatched and refused jobs in a bounded number of log lines, once, and status lists a bounded number', async () => {
  const f = await harness.fixture({ instances: { flex }, launch, interval: 0.2 });
  f.sim.addJobs([
    ...Array.from({ length: 4000 }, (_, i) => ({ name: `arm build ${i}`, tags: ['arm64'] })),
    ...Array.from({ length: 3000 }, () => ({ name: 'untagged', tags: [] })),
    // 3,000 jobs asking for 9 to 38 CPUs: 30 distinct reasons.
    ...Array.from({ length: 3000 }, (_, i) => ({ tags: ['slurm', `cpus=${9 + (i % 30)}`] })),
  ]);
  const { child: run, stderr, lines: startingWith } = harness.startRun(f, [], 400_000);
  const cycles = () => startingWith('cycle pending=').length;
  await eventually(() => cycles() >= 4, 300_000, 'four cycles');
  run.kill('SIGTERM');
  expect((await run).exitCode).toBe(0);

  const lines = stderr().split('\n').filter(Boolean);
  const warnings = lines.filter((l) => l.startsWith('warning: '));
  // Once, in the first cycle: one line per reason (the five most common reasons of refusal, then the rest).
  expect(warnings).toHaveLength(8);
  expect(warnings[0]).toMatch(
    /^warning: 4000 pending jobs match no runner instance: no instance has all of their tags jobs=4000 examples="\d+ arm build 0 \(tags arm64\); /,
  );
  expect(warnings[0]).toMatch(/ more=3995$/);
  expect(warnings[1]).toMatch(
    /^warning: 3000 pending jobs have no tags and no instance has run_untagged = true jobs=3000 /,
  );
  expect(
    warnings.slice(2, 7).every((w) => /^warning: 100 pending jobs are refused, never launched: /.test(w)),
  ).toBe(true);
  expect(warnings[7]).toMatch(
    /^warning: 2500 more pending jobs are refused, never launched, for 25 other reasons/,
  );
  // Every other line is the start, a cycle line or the stop.
  expect(lines.length - warnings.length).toBe(cycles() + 3);
  expect(lines.filter((l) => l.startsWith('cycle pending=10000 matched=- '))).toHaveLength(cycles());

  const status = await f.cli(['status']);
  expect(status.exitCode).toBe(0);
  const refused = status.stdout.slice(status.stdout.indexOf('refused jobs (never launched): 3000'));
  expect(refused.split('\n').filter((l) => /^ {2}job \d+ \(tags slurm, cpus=\d+\): /.test(l))).toHaveLength(
    10,
  );
  expect(refused).toMatch(/ {2}\.\.\. and 2990 more \(`status --json` lists 100; /);
  expect(status.stdout.split('\n').length).toBeLessThan(40);
  const json = JSON.parse((await f.cli(['status', '--json'])).stdout);
  expect(json.refused_jobs).toHaveLength(100);
  expect(json.refused_jobs_total).toBe(3000);
}, 420_000);
