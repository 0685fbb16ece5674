// `[launch] max_launches_per_cycle` through `gitlab-meta-runner run`: a thousand pending jobs are launched
// a bounded number per cycle, each once, and the cycles that follow come after `fast_interval` even with a
// fixed hour-long poll interval. No test waits a poll interval.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** A launch command that records itself and prints a job id; no status command, so it counts as in flight. */
const recordingLaunch = (extra = '') => `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; echo id-$$$$', '$NUM_JOBS']
${extra}
`;

const poll = 'adaptive = false\nfast_interval = 0.2';

function startRun(f: LaunchFixture) {
  const { child, lines } = harness.startRun(f, ['-v'], 400_000);
  return {
    child,
    cycles: () => lines('cycle pending='),
    launchedPerCycle: () => lines('cycle pending=').map((l) => Number(/ launched=(\d+)/.exec(l)?.[1])),
    paces: () =>
      lines('next poll').map((l) => [/reason=(\S+)/.exec(l)?.[1], Number(/in_s=(\S+)/.exec(l)?.[1])]),
  };
}

const launchCommands = (f: LaunchFixture) => {
  const file = join(f.env.BATCH_DIR!, 'launches');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
};
const recorded = (f: LaunchFixture): { jobIds: number[] }[] =>
  existsSync(f.stateFile) ? JSON.parse(readFileSync(f.stateFile, 'utf8')).launches : [];

it('launches 1,000 pending jobs at most 50 per cycle, each job once, the next cycle after fast_interval', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: recordingLaunch(),
    interval: 3600,
    poll,
  });
  const jobs = f.sim.addJobs(Array.from({ length: 1000 }, () => ({ tags: ['cpu'] })));
  const run = startRun(f);
  await eventually(() => recorded(f).length === 1000, 300_000, '1,000 launches');
  await eventually(() => run.paces().at(-1)?.[0] === 'fixed', 60_000, 'the cycle after the last launches');
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);

  const [first] = run.cycles();
  expect(first).toMatch(/^cycle pending=1000 matched=cpu:1000 in_flight=50 launched=50 failed=0 unmatched=0/);
  expect(first).toMatch(/ deferred=950/);
  const launched = run.launchedPerCycle();
  expect(Math.max(...launched)).toBe(50);
  expect(launched.reduce((a, b) => a + b, 0)).toBe(1000);
  expect(launched.filter((n) => n > 0)).toHaveLength(20);
  // Every cycle that left launches was followed by one after fast_interval, not the hour-long interval.
  const paces = run.paces();
  expect(paces.filter(([r]) => r === 'more-to-launch')).toHaveLength(19);
  expect(paces.filter(([r]) => r === 'more-to-launch').every(([, s]) => s === 0.2)).toBe(true);
  // Each pending job was planned for by exactly one launch, and each launch ran its command once.
  const planned = recorded(f).flatMap((l) => l.jobIds);
  expect(new Set(planned).size).toBe(1000);
  expect(planned.toSorted((a, b) => a - b)).toEqual(jobs.map((j) => j.id).toSorted((a, b) => a - b));
  expect(launchCommands(f)).toHaveLength(1000);
}, 420_000);

it('stops at [launch] max_in_flight across cycles and then waits the poll interval, not fast_interval', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: recordingLaunch('max_in_flight = 120\nmax_launches_per_cycle = 50'),
    interval: 3600,
    poll,
  });
  f.sim.addJobs(Array.from({ length: 300 }, () => ({ tags: ['cpu'] })));
  const run = startRun(f);
  await eventually(
    () => run.paces().at(-1)?.[0] === 'fixed',
    120_000,
    'a cycle that leaves nothing for later',
  );
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);
  expect(run.launchedPerCycle()).toEqual([50, 50, 20]);
  expect(run.paces().map(([r]) => r)).toEqual(['more-to-launch', 'more-to-launch', 'fixed']);
  expect(recorded(f)).toHaveLength(120);
  expect(launchCommands(f)).toHaveLength(120);
}, 200_000);
