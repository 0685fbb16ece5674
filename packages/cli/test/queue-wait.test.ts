// Jobs that wait behind launches still queued in the batch system, through `gitlab-meta-runner run` and
// `status`: the keep-alive that keeps the instance's runner online in GitLab, and the warnings about jobs
// near GitLab's 1 h / 24 h limits.
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** A launch that stays queued: the status command keeps listing its id, with no state (queued). */
const queuedLaunch = `
executable = "sh"
args = ['-c', 'echo id-$$$$ | tee -a "$$BATCH_DIR/alive"']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;

const startRun = (f: LaunchFixture) => harness.startRun(f);

describe('jobs waiting behind queued launches', () => {
  it("keeps the instance's runner online in GitLab while its jobs wait, so GitLab does not drop them", async () => {
    const f = await harness.fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: queuedLaunch,
      poll: 'keep_alive = "0.5s"',
    });
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    const runner = f.sim.runners()[0]!;
    const run = startRun(f);
    await eventually(() => /keep-alive: .* instance=cpu/.test(run.stderr()), 60_000, 'a first keep-alive');
    // GitLab has not heard from the runner for three hours; the next keep-alive brings it back online.
    const longAgo = new Date(f.sim.now().getTime() - 3 * 3_600_000);
    f.sim.setRunnerContactedAt(runner.id, longAgo);
    await f.sim.waitFor(() => (f.sim.runner(runner.id)?.contactedAt?.getTime() ?? 0) > longAgo.getTime(), {
      timeoutMs: 60_000,
      description: 'the runner to contact GitLab again',
    });
    // An hour and more later in GitLab's eyes, the job is still not dropped: its runner is online.
    f.sim.advanceClock(61 * 60_000);
    await f.sim.waitFor(
      () => (f.sim.runner(runner.id)?.contactedAt?.getTime() ?? 0) > f.sim.now().getTime() - 60_000,
      { timeoutMs: 60_000, description: 'a keep-alive after the clock moved' },
    );
    expect(f.sim.dropStuckJobs()).toEqual([]);
    expect(f.sim.job(job!.id)?.status).toBe('pending');
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
    expect(run.stderr()).not.toContain(runner.token);
  });

  it('warns in the log and in status about a job near the 1 h limit, naming the batch job it waits on', async () => {
    const f = await harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    const [job] = f.sim.addJobs([{ tags: ['cpu'], createdAt: new Date(Date.now() - 50 * 60_000) }]);
    const run = startRun(f);
    const warning = new RegExp(
      `warning: job ${job!.id} pending since \\S+ waits on batch job (id-\\d+) \\(queued\\); GitLab drops it at 1 h`,
    );
    await eventually(() => warning.test(run.stderr()), 60_000, 'the warning');
    await eventually(
      () =>
        run
          .stderr()
          .split('\n')
          .filter((l) => l.startsWith('cycle ')).length >= 3,
      60_000,
      'more cycles',
    );
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
    // Once per job and limit, not every cycle.
    expect(
      run
        .stderr()
        .split('\n')
        .filter((l) => warning.test(l)),
    ).toHaveLength(1);
    const batchJob = warning.exec(run.stderr())![1]!;

    const status = await f.cli(['status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('jobs near the time GitLab drops them');
    expect(status.stdout).toMatch(
      new RegExp(
        `job ${job!.id} \\(cpu\\) pending since \\S+, waits on batch job ${batchJob} \\(queued\\); dropped at 1 h unless a runner that can take it is online`,
      ),
    );
    const json = JSON.parse((await f.cli(['status', '--json'])).stdout);
    expect(json.jobs_near_drop).toMatchObject([{ job: job!.id, instance: 'cpu', batchJob, limit: '1h' }]);
  });
});
