// The planner's accounting when runners take each other's jobs, through `gitlab-meta-runner run`: the
// simulator hands the oldest pending job to whichever runner asks first, so the runner launched for job B
// takes job A. Batch jobs start only when the test opens their gate, so the order is the test's, not luck's.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness({
  // Gated batch jobs still waiting are opened so that they end (their runners find nothing and exit).
  beforeClose: (f) => writeFileSync(join(f.env.BATCH_DIR!, 'go.all'), ''),
});

/** Like bg-submit, but the batch job waits until `$BATCH_DIR/go.<its id>` (or `go.all`) exists. */
const gatedSubmit = `#!/bin/sh
set -e
script=$(mktemp "$BATCH_DIR/job.XXXXXX")
cat > "$script"
nohup sh -c 'while [ ! -e "$BATCH_DIR/go.$$" ] && [ ! -e "$BATCH_DIR/go.all" ]; do sleep 0.05; done; exec sh "$0"' "$script" > "$script.out" 2>&1 < /dev/null &
echo $! >> "$BATCH_DIR/submitted"
echo $!
`;

interface StateLaunch {
  id: string;
  jobIds: number[];
  batchJobId?: string;
}
const launches = (f: LaunchFixture): StateLaunch[] =>
  existsSync(f.stateFile) ? JSON.parse(readFileSync(f.stateFile, 'utf8')).launches : [];

it('does not launch again for a job whose launch’s runner took another launch’s job', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: `
executable = "gated-submit"
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`,
  });
  writeFileSync(join(f.binDir, 'gated-submit'), gatedSubmit);
  chmodSync(join(f.binDir, 'gated-submit'), 0o755);
  const jobs = f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['cpu'] }]).map((j) => j.id);
  const { child: run, stderr, cycles } = harness.startRun(f, ['-v']);
  await eventually(
    () => launches(f).filter((l) => l.batchJobId).length === 3,
    60_000,
    'three launches with batch job ids',
  );
  // The runner launched for the second job starts first and takes the oldest job, then ends.
  const second = launches(f).find((l) => l.jobIds[0] === jobs[1])!;
  writeFileSync(join(f.env.BATCH_DIR!, `go.${second.batchJobId}`), '');
  await f.sim.waitFor(() => f.sim.job(jobs[0]!)?.status === 'success', { timeoutMs: 60_000 });
  await eventually(() => !launches(f).some((l) => l.id === second.id), 60_000, 'the launch to end');
  const after = cycles();
  await eventually(() => cycles() >= after + 3, 60_000, 'three more cycles');
  // Jobs 2 and 3 are still pending, and the two launches still waiting count for them.
  expect(f.sim.job(jobs[1]!)?.status).toBe('pending');
  expect(f.submitted()).toHaveLength(3);
  expect(stderr()).toMatch(/a launch that ended took another launch's job/);

  writeFileSync(join(f.env.BATCH_DIR!, 'go.all'), '');
  await f.sim.waitFor(() => f.sim.jobs({ status: 'success' }).length === 3, { timeoutMs: 90_000 });
  await eventually(() => f.runnerRuns().length === 3, 60_000, 'every runner to exit');
  run.kill('SIGTERM');
  expect((await run).exitCode).toBe(0);
  expect(f.takenJobs().sort()).toEqual([...jobs].sort());
  expect(f.submitted()).toHaveLength(3);
});
