// `gitlab-meta-runner run` and `status` for a config with `group`, through the built bin against the
// simulator: pending jobs of every project of the group and its subgroups are launched for, also those of
// a project created while `run` runs; each line about a job names its project; the pending jobs cost one
// GraphQL request per cycle; a group runner takes a subgroup project's job through the stand-in runner.
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const simulator = {
  groups: [{ path: 'lab' }, { path: 'lab/sub' }, { path: 'elsewhere' }],
  projects: [
    { id: 1, path: 'lab/app' },
    { id: 2, path: 'lab/sub/deep' },
    { id: 3, path: 'elsewhere/x' },
  ],
};

/** A launch command that only prints a job id: each launch is recorded, nothing runs. */
const recordingLaunch = `
executable = "sh"
args = ['-c', 'echo id-$$$$']
`;

function startRun(f: LaunchFixture) {
  const run = harness.startRun(f, ['-v']);
  return { child: run.child, stderr: run.stderr, lines: () => run.stderr().split('\n') };
}

const recorded = (f: LaunchFixture): { jobIds: number[]; projects?: string[] }[] =>
  existsSync(f.stateFile) ? JSON.parse(readFileSync(f.stateFile, 'utf8')).launches : [];

it('launches for the jobs of every project of a group, a new project included, naming each job’s project', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: recordingLaunch,
    scope: 'group = "lab"',
    simulator,
  });
  const [old] = f.sim.addJobs([
    { projectId: 1, tags: ['cpu'], createdAt: new Date(Date.now() - 50 * 60_000) },
  ]);
  const [deep] = f.sim.addJobs([{ projectId: 2, tags: ['cpu'] }]);
  const [outside] = f.sim.addJobs([{ projectId: 3, tags: ['cpu'] }]);
  const [odd] = f.sim.addJobs([{ projectId: 1, tags: ['nope'] }]);
  const run = startRun(f);
  await eventually(() => recorded(f).length === 2, 60_000, 'launches for the two jobs of the group');

  // A project created in a subgroup while run runs is covered from the next cycle on.
  const created = f.sim.addProject({ path: 'lab/sub/new' });
  const [fresh] = f.sim.addJobs([{ projectId: created.id, tags: ['cpu'] }]);
  await eventually(() => recorded(f).length === 3, 60_000, 'a launch for the new project’s job');
  const cycles = () => run.lines().filter((l) => l.startsWith('cycle pending=')).length;
  const cyclesBefore = cycles();
  await eventually(() => cycles() >= cyclesBefore + 3, 60_000, 'three more cycles');
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);

  const planned = recorded(f).map((l) => [l.jobIds, l.projects]);
  expect(planned).toEqual(
    expect.arrayContaining([
      [[old!.id], ['lab/app']],
      [[deep!.id], ['lab/sub/deep']],
      [[fresh!.id], ['lab/sub/new']],
    ]),
  );
  expect(recorded(f).flatMap((l) => l.jobIds)).not.toContain(outside!.id);
  const stderr = run.stderr();
  for (const project of ['lab/app', 'lab/sub/deep', 'lab/sub/new'])
    expect(stderr).toMatch(new RegExp(`^launched instance=cpu num_jobs=1 projects=${project} `, 'm'));
  expect(stderr).toMatch(
    new RegExp(`pending job matches no runner instance.* job=${odd!.id} project=lab/app `, 'm'),
  );
  expect(stderr).toMatch(new RegExp(`job ${old!.id} of lab/app pending since .* project=lab/app `, 'm'));
  // The group's pending jobs cost one GraphQL request per cycle (a cycle cut short by SIGTERM may have sent
  // its request without logging), and no per-project listing.
  const graphqlPerCycle = f.sim.requestCount('POST /api/graphql') / cycles();
  expect(graphqlPerCycle).toBeGreaterThanOrEqual(1);
  expect(graphqlPerCycle).toBeLessThanOrEqual(1 + 1 / cycles());
  expect(f.sim.requestCount('GET /projects/:id/jobs')).toBe(0);

  const status = JSON.parse(String((await f.cli(['status', '--json'])).stdout));
  expect(status).toMatchObject({ covers: 'group lab and its subgroups', covers_kind: 'group' });
  expect(status.projects).toEqual([
    { project: 'lab/app', pending: 2, matched: 1, unmatched: 1, launched: 1, in_flight: 1 },
    { project: 'lab/sub/deep', pending: 1, matched: 1, unmatched: 0, launched: 1, in_flight: 1 },
    { project: 'lab/sub/new', pending: 1, matched: 1, unmatched: 0, launched: 1, in_flight: 1 },
  ]);
  expect(status.projects_total).toEqual({ projects: 3, pending: 4, matched: 3, unmatched: 1, launched: 3 });
  expect(status.jobs_near_drop).toEqual([expect.objectContaining({ job: old!.id, project: 'lab/app' })]);
  const text = String((await f.cli(['status'])).stdout);
  expect(text).toMatch(
    /^ {2}lab\/app: 2 pending \(1 matched, 1 unmatched\), 1 launched for, 1 runner\(s\) in flight$/m,
  );
  expect(text).toMatch(/^ {2}total: 4 pending in 3 projects \(3 matched, 1 unmatched\), 3 launched for$/m);
  expect(text).toMatch(new RegExp(`job ${old!.id} of lab/app \\(cpu\\) pending since`));
}, 170_000);

it('launches nothing for a project that turned group runners off, says so once, and launches once they are on again', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: recordingLaunch,
    scope: 'group = "lab"',
    simulator: {
      ...simulator,
      projects: [...simulator.projects, { id: 4, path: 'lab/sub/private', groupRunnersEnabled: false }],
    },
  });
  const [shut] = f.sim.addJobs([{ projectId: 4, tags: ['cpu'] }]);
  const [open] = f.sim.addJobs([{ projectId: 1, tags: ['cpu'] }]);
  const run = startRun(f);
  await eventually(() => recorded(f).length === 1, 60_000, 'a launch for the open project’s job');
  const cycles = () => run.lines().filter((l) => l.startsWith('cycle pending=')).length;
  const before = cycles();
  await eventually(() => cycles() >= before + 3, 60_000, 'three more cycles');
  expect(recorded(f).flatMap((l) => l.jobIds)).toEqual([open!.id]);
  const warnings = () => run.lines().filter((l) => l.includes('has group runners turned off'));
  expect(warnings()).toHaveLength(1);
  expect(warnings()[0]).toMatch(
    /^warning: project lab\/sub\/private has group runners turned off.*1 pending job/,
  );

  // The project's owner turns group runners on: its job is launched for from the next cycle on.
  f.sim.setGroupRunnersEnabled(4, true);
  await eventually(() => recorded(f).length === 2, 60_000, 'a launch for the job of the reopened project');
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);
  expect(recorded(f).flatMap((l) => l.jobIds)).toEqual([open!.id, shut!.id]);
  expect(warnings()).toHaveLength(1);
}, 170_000);

it('runs a subgroup project’s job end to end on a group runner through the stand-in gitlab-runner', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: `
executable = "bg-submit"
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`,
    scope: 'group = "lab"',
    simulator,
  });
  const runner = f.sim.runners()[0]!;
  expect(runner).toMatchObject({ runnerType: 'group_type' });
  const [job] = f.sim.addJobs([{ projectId: 2, tags: ['cpu'] }]);
  const run = startRun(f);
  await f.sim.waitFor(() => f.sim.job(job!.id)?.status === 'success', { timeoutMs: 120_000 });
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);
  expect(f.sim.job(job!.id)).toMatchObject({ status: 'success', runnerId: runner.id });
  expect(f.takenJobs()).toEqual([job!.id]);
}, 170_000);

it('with projects, polls each listed project through REST and launches for their jobs only', async () => {
  const f = await harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: recordingLaunch,
    scope: 'projects = ["lab/app", 3]',
    simulator,
  });
  const [app] = f.sim.addJobs([{ projectId: 1, tags: ['cpu'] }]);
  const [deep] = f.sim.addJobs([{ projectId: 2, tags: ['cpu'] }]);
  const [outside] = f.sim.addJobs([{ projectId: 3, tags: ['cpu'] }]);
  const run = startRun(f);
  await eventually(() => recorded(f).length === 2, 60_000, 'launches for the two listed projects');
  const cycles = () => run.lines().filter((l) => l.startsWith('cycle pending=')).length;
  await eventually(() => cycles() >= 3, 60_000, 'three cycles');
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);
  expect(recorded(f).map((l) => [l.jobIds, l.projects])).toEqual(
    expect.arrayContaining([
      [[app!.id], ['lab/app']],
      [[outside!.id], ['elsewhere/x']],
    ]),
  );
  expect(recorded(f).flatMap((l) => l.jobIds)).not.toContain(deep!.id);
  // One listing per project and cycle (each fits one page; a cycle cut short may have sent its requests).
  const perCycle = f.sim.requestCount('GET /projects/:id/jobs') / cycles();
  expect(perCycle).toBeGreaterThanOrEqual(2);
  expect(perCycle).toBeLessThanOrEqual(2 + 2 / cycles());
  expect(f.sim.requestCount('POST /api/graphql')).toBe(0);
}, 170_000);
