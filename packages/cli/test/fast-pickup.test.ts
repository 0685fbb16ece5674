// Fast pickup through `gitlab-meta-runner run`: adaptive polling seen in its log lines, the RateLimit-*
// slow-down, and the [poll.webhook] listener fed by the simulator's job hooks. No test waits a poll interval:
// the intervals are an hour where a test shows that something else started the cycle.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, type FixtureOptions, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const secret = 'hook-secret-0123456789abcdef';

/** A launch that records itself and stays queued (the status command keeps listing its id). */
const queuedLaunch = `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;

/** A launch through the fixture's local batch system that runs the stand-in runner for one job. */
const runnerLaunch = `
executable = "bg-submit"
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`;

function fixture(options: Partial<FixtureOptions> = {}): Promise<LaunchFixture> {
  return harness.fixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: queuedLaunch,
    env: { MR_WEBHOOK_SECRET: secret },
    ...options,
  });
}

function startRun(f: LaunchFixture) {
  const { child, stderr, lines } = harness.startRun(f, ['-v']);
  return {
    child,
    stderr,
    lines,
    cycles: () => lines('cycle pending=').length,
    /** `[reason, seconds]` of every "next poll" line. */
    paces: () =>
      lines('next poll').map(
        (l) => [/reason=(\S+)/.exec(l)?.[1], Number(/in_s=(\S+)/.exec(l)?.[1])] as const,
      ),
  };
}

const launches = (f: LaunchFixture) => {
  const file = join(f.env.BATCH_DIR!, 'launches');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
};

async function stop(run: ReturnType<typeof startRun>): Promise<void> {
  run.child.kill('SIGTERM');
  expect((await run.child).exitCode).toBe(0);
}

describe('adaptive polling', () => {
  it('polls soon after a launch, keeps polling while the launch is in flight, and relaxes to [poll] interval once nothing is', async () => {
    const f = await fixture({ interval: 3600, poll: 'fast_interval = 0.2' });
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    // Past ten times fast_interval, the wait grows with the launch's age.
    await eventually(
      () => run.paces().some(([r, s]) => r === 'in-flight' && s > 0.2),
      60_000,
      'a slower cycle while the launch is in flight',
    );
    // The job goes and so does its batch job: nothing is pending or in flight.
    f.sim.removeJob(job!.id);
    writeFileSync(join(f.env.BATCH_DIR!, 'alive'), '');
    await eventually(() => run.paces().some(([r]) => r === 'idle'), 60_000, 'an idle cycle');
    await stop(run);
    const paces = run.paces();
    expect(paces[0]).toEqual(['launched', 0.2]);
    // A tenth of the launch's age, which grows: at least fast_interval, never the hour.
    const inFlight = paces.filter(([r]) => r === 'in-flight').map(([, s]) => s);
    expect(Math.min(...inFlight)).toBeGreaterThanOrEqual(0.2);
    expect(inFlight).toEqual([...inFlight].sort((a, b) => a - b));
    expect(Math.max(...inFlight)).toBeGreaterThan(0.2);
    expect(Math.max(...inFlight)).toBeLessThan(60);
    expect(paces.at(-1)).toEqual(['idle', 3600]);
    expect(launches(f)).toHaveLength(1);
  });

  it('doubles the wait while a matched job waits and nothing is in flight', async () => {
    // Every launch fails and backs off for an hour: the job stays pending with no launch in flight.
    const f = await fixture({
      interval: 3600,
      poll: 'fast_interval = 0.2',
      launch: `executable = "false"\nfailure_backoff = "1h"\n`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    await eventually(
      () => run.paces().filter(([r]) => r === 'waiting').length >= 3,
      60_000,
      'cycles while the job waits',
    );
    await stop(run);
    const paces = run.paces();
    expect(paces[0]).toEqual(['new-jobs', 0.2]);
    expect(paces.slice(1, 4)).toEqual([
      ['waiting', 0.4],
      ['waiting', 0.8],
      ['waiting', 1.6],
    ]);
  });

  it("launches the next stage of a pipeline soon after the previous stage's runner ran its job, with an hour-long interval", async () => {
    // The runner runs the job until the test opens the gate: long after the poll that followed the launch.
    const f = await fixture({
      interval: 3600,
      poll: 'fast_interval = 0.2',
      launch: runnerLaunch,
    });
    const gate = join(f.dir, 'gate');
    const [first] = f.sim.addJobs([
      { tags: ['cpu'], stage: 'build', script: [`while [ ! -e '${gate}' ]; do sleep 0.05; done`] },
    ]);
    const run = startRun(f);
    await f.sim.waitFor(() => f.sim.job(first!.id)?.status === 'running', {
      timeoutMs: 60_000,
      description: 'the runner to take the first stage',
    });
    // A cycle saw nothing pending while the runner runs the job, and decided when to poll next.
    await eventually(
      () => {
        const lines = run.stderr().split('\n');
        const seen = lines.findIndex((l) => l.startsWith('cycle pending=0'));
        return seen >= 0 && lines.slice(seen).some((l) => l.startsWith('next poll'));
      },
      60_000,
      'a cycle after the runner took its job',
    );
    // The first stage ends; GitLab makes the next stage pending at that moment, before its runner exits.
    let second: number | undefined;
    const nextStage = () => {
      if (f.sim.job(first!.id)?.status !== 'success') return;
      f.sim.off('change', nextStage);
      second = f.sim.addJobs([{ tags: ['cpu'], stage: 'test', script: ['true'] }])[0]!.id;
    };
    f.sim.on('change', nextStage);
    writeFileSync(gate, '');
    await f.sim.waitFor(() => second !== undefined && f.sim.job(second)?.status === 'success', {
      timeoutMs: 60_000,
      description: 'a runner for the next stage',
    });
    await eventually(() => run.paces().at(-1)?.[0] === 'idle', 60_000, 'an idle cycle at the end');
    await stop(run);
    expect(f.submitted()).toHaveLength(2);
    expect(run.paces().some(([r]) => r === 'in-flight')).toBe(true);
    expect(run.paces().at(-1)).toEqual(['idle', 3600]);
  });

  it('keeps the fixed interval of the original with adaptive = false', async () => {
    const f = await fixture({ poll: 'adaptive = false' });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    await eventually(() => run.cycles() >= 3, 60_000, 'three cycles');
    await stop(run);
    expect(new Set(run.paces().map(([r, s]) => `${r} ${s}`))).toEqual(new Set(['fixed 0.2']));
  });

  it("slows down when GitLab's RateLimit-Remaining runs low", async () => {
    const f = await fixture({ simulator: { rateLimit: { limit: 10, windowMs: 3_600_000 } } });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    await eventually(() => run.paces().some(([r]) => r === 'rate-limit'), 60_000, 'a rate-limited pace');
    await stop(run);
    const [, seconds] = run.paces().find(([r]) => r === 'rate-limit')!;
    expect(seconds).toBeGreaterThan(0.2);
    // Nothing was refused: the launcher slowed down before the quota was used up.
    expect(f.sim.requests.filter((r) => r.status === 429)).toEqual([]);
  });
});

describe('[poll.webhook]', () => {
  const webhookPoll = `
[poll.webhook]
listen = "127.0.0.1:0"
secret = "$MR_WEBHOOK_SECRET"
`;

  async function listening(f: LaunchFixture) {
    const run = startRun(f);
    await eventually(() => /webhook listener started listen=\S+/.test(run.stderr()), 60_000, 'the listener');
    await eventually(() => run.cycles() >= 1, 60_000, 'a first cycle');
    const address = /webhook listener started listen=(\S+)/.exec(run.stderr())![1]!;
    return { run, url: `http://${address}/` };
  }

  const post = (url: string, token: string, body: unknown, event = 'Job Hook') =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': token },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const pendingHook = (id: number) => ({
    object_kind: 'build',
    build_id: id,
    build_status: 'pending',
    project_id: 1,
  });

  it('starts a cycle at once when GitLab says a job became pending, without waiting the hour-long interval', async () => {
    const f = await fixture({ interval: 3600, poll: webhookPoll });
    const { run, url } = await listening(f);
    f.sim.addWebhook({ url, token: secret });
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    await eventually(() => launches(f).length === 1, 60_000, 'a launch for the job');
    await stop(run);
    expect(run.stderr()).toContain(`cycle now: webhook: job ${job!.id} pending`);
    expect(f.sim.webhookDeliveries.filter((d) => d.buildStatus === 'pending')).toMatchObject([
      { jobId: job!.id, status: 200 },
    ]);
  });

  it('answers every hook of a pipeline larger than its request rate with 200, so that GitLab keeps calling it and every pending job still starts a cycle', async () => {
    // GitLab counts every answer but 2xx/3xx as a failure of the webhook and stops calling it after four in a
    // row (the simulator does the same). 60 jobs send 120 hooks at once (created, then pending).
    const f = await fixture({
      interval: 3600,
      poll: webhookPoll,
      launch: `${queuedLaunch}\ngroup_size = 30\n`,
    });
    const { run, url } = await listening(f);
    f.sim.addWebhook({ url, token: secret });
    f.sim.addJobs(Array.from({ length: 60 }, () => ({ tags: ['cpu'] })));
    await eventually(() => f.sim.webhookDeliveries.length >= 120, 60_000, 'the hooks of the pipeline');
    expect(f.sim.webhookDeliveries.filter((d) => d.status !== 200)).toEqual([]);
    expect(f.sim.webhooks[0]).toMatchObject({ executable: true, recentFailures: 0 });

    const [next] = f.sim.addJobs([{ tags: ['cpu'] }]);
    const pendingHook = () =>
      f.sim.webhookDeliveries.find((d) => d.jobId === next!.id && d.buildStatus === 'pending');
    await eventually(() => pendingHook() !== undefined, 60_000, 'the pending hook of the next job');
    expect(pendingHook()).toMatchObject({ status: 200 });
    // Each of the 61 pending hooks reached a cycle (hints coalesce: a line counts the ones it took).
    const hinted = () =>
      run.lines('cycle now').reduce((n, l) => n + Number(/coalesced=(\d+)/.exec(l)?.[1] ?? 1), 0);
    await eventually(() => hinted() === 61, 60_000, 'every pending hook to reach a cycle');
    await eventually(() => launches(f).length === 3, 60_000, 'a launch for the next job');
    await stop(run);
  });

  it('starts one more cycle, right after the running one, for a hook that arrives while a cycle runs', async () => {
    // The launch command waits for $BATCH_DIR/go: the cycle started by the first job's hook is held in it.
    const held = `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; while [ ! -e "$$BATCH_DIR/go" ]; do sleep 0.05; done; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;
    const f = await fixture({ interval: 3600, poll: webhookPoll, launch: held });
    const { run, url } = await listening(f);
    f.sim.addWebhook({ url, token: secret });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    await eventually(() => launches(f).length === 1, 60_000, 'the launch of the first job, held');
    const [second] = f.sim.addJobs([{ tags: ['cpu'] }]);
    await eventually(
      () => f.sim.webhookDeliveries.some((d) => d.jobId === second!.id && d.buildStatus === 'pending'),
      60_000,
      'the pending hook of the second job',
    );
    writeFileSync(join(f.env.BATCH_DIR!, 'go'), '');
    await eventually(() => launches(f).length === 2, 60_000, 'a launch for the second job');
    await stop(run);
    // The hint, not the next poll, started that cycle.
    expect(run.lines('cycle now').filter((l) => l.includes(`job ${second!.id} pending`))).toHaveLength(1);
  });

  it('refuses a wrong token, an oversized body and other methods, and starts no cycle for them', async () => {
    const f = await fixture({ interval: 3600, poll: webhookPoll });
    const { run, url } = await listening(f);
    expect((await post(url, 'wrong-secret-0123456789', pendingHook(1))).status).toBe(401);
    expect((await post(url, '', pendingHook(1))).status).toBe(401);
    expect((await post(url, secret, 'x'.repeat(70 * 1024))).status).toBe(413);
    expect((await fetch(url)).status).toBe(405);
    expect((await post(url, secret, 'not json')).status).toBe(400);
    // Other events and other job states are answered but start nothing.
    expect((await post(url, secret, pendingHook(2), 'Pipeline Hook')).status).toBe(200);
    expect((await post(url, secret, { ...pendingHook(3), build_status: 'running' })).status).toBe(200);
    expect((await post(url, secret, pendingHook(4))).status).toBe(200);
    await eventually(() => run.lines('cycle now').length >= 1, 60_000, 'the cycle of the valid hook');
    await stop(run);
    expect(run.lines('cycle now')).toEqual([expect.stringContaining('webhook: job 4 pending')]);
    expect(run.stderr()).toMatch(
      /warning: webhook: refused a request with a wrong or missing X-Gitlab-Token/,
    );
    expect(run.stderr()).not.toContain(secret);
  });

  it('coalesces a burst of hooks into fewer cycles and answers 429 to requests without the secret beyond its request rate', async () => {
    const f = await fixture({ interval: 3600, poll: webhookPoll });
    const { run, url } = await listening(f);
    const burst = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((id) => post(url, secret, pendingHook(id))));
    expect(burst.map((r) => r.status)).toEqual(Array(8).fill(200));
    const hinted = () =>
      run.lines('cycle now').reduce((n, l) => n + Number(/coalesced=(\d+)/.exec(l)?.[1] ?? 1), 0);
    await eventually(() => hinted() === 8, 60_000, 'every hint to reach a cycle');
    expect(run.lines('cycle now').length).toBeLessThanOrEqual(2);

    const flood = await Promise.all(Array.from({ length: 150 }, () => post(url, 'wrong', {})));
    const statuses = new Set(flood.map((r) => r.status));
    expect(statuses.has(429)).toBe(true);
    await stop(run);
  });

  it('does not start without a secret', async () => {
    const f = await fixture({ poll: webhookPoll, env: { MR_WEBHOOK_SECRET: 'short' } });
    const result = await f.cli(['run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/secret of at least 16 characters/);
    expect(result.stderr).not.toContain('short"');
  });
});
