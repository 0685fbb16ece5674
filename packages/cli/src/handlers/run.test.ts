import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from '../../test/launch-fixture.js';
import { runHarness } from '../../test/run-harness.js';

const { fixture, startRun } = runHarness();

/** The local batch system of the fixture: bg-submit runs the batch script in the background. */
const localBatch = `
executable = "bg-submit"
status_command = ["bg-status"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
timeout = 30
`;

/** A launch that records itself and prints an id the status command keeps listing (a batch job that waits). */
const queuedLaunch = `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;

const launches = (f: LaunchFixture) => {
  const file = join(f.env.BATCH_DIR!, 'launches');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
};

describe('gitlab-meta-runner run', () => {
  it('launches runners that take every pending job exactly once, then stops on SIGTERM with exit 0', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'], launch_priority: 1 } },
      launch: localBatch,
    });
    const jobs = f.sim.addJobs([
      { tags: ['cpu'] },
      { tags: ['cpu'] },
      { tags: ['gpu'] },
      { tags: ['cpu'] },
      { tags: ['gpu'] },
    ]);
    const run = startRun(f);
    await f.sim.waitFor(() => f.sim.jobs({ status: 'success' }).length === jobs.length, {
      timeoutMs: 90_000,
      description: 'every job to succeed',
    });
    // Every runner of the first wave has exited (they poll for --wait-timeout after their last job, and one
    // that is still polling could take the next job before the runner launched for it).
    await eventually(() => f.runnerRuns().length === jobs.length, 60_000, 'the first runners to exit');
    // Later jobs get runners too, while the launcher keeps polling.
    const late = f.sim.addJobs([{ tags: ['gpu'] }]);
    await f.sim.waitFor(() => f.sim.job(late[0]!.id)?.status === 'success', { timeoutMs: 90_000 });
    await eventually(() => f.runnerRuns().length === jobs.length + 1, 60_000, 'every runner to exit');
    run.child.kill('SIGTERM');
    const result = await run.child;
    expect(result.exitCode).toBe(0);
    expect(run.stderr()).toMatch(/SIGTERM: stopping/);
    expect(f.takenJobs().sort()).toEqual([...jobs, ...late].map((j) => j.id).sort());
    expect(f.submitted()).toHaveLength(jobs.length + 1);
  });

  it('does not launch again after a restart for launches still in flight', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }]);
    const first = startRun(f);
    await eventually(() => launches(f).length === 2 && first.cycles() >= 2, 60_000, 'two launches');
    first.child.kill('SIGTERM');
    expect((await first.child).exitCode).toBe(0);

    const second = startRun(f);
    await eventually(() => second.cycles() >= 3, 60_000, 'three cycles after the restart');
    second.child.kill('SIGINT');
    expect((await second.child).exitCode).toBe(0);
    expect(launches(f)).toHaveLength(2);
    expect(second.stderr()).toMatch(/cycle pending=2 matched=cpu:2 in_flight=2 launched=0/);
  });

  it('lets a launch command in flight finish on SIGTERM, saves it, and exits 0', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `
executable = "sh"
args = ['-c', 'touch "$$BATCH_DIR/started"; while [ ! -e "$$BATCH_DIR/gate" ]; do sleep 0.05; done; echo 4711']
`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    await eventually(
      () => existsSync(join(f.env.BATCH_DIR!, 'started')),
      60_000,
      'the launch command to start',
    );
    run.child.kill('SIGTERM');
    await eventually(() => /SIGTERM: stopping/.test(run.stderr()), 60_000, 'the launcher to notice SIGTERM');
    writeFileSync(join(f.env.BATCH_DIR!, 'gate'), '');
    const result = await run.child;
    expect(result.exitCode).toBe(0);
    const state = JSON.parse(readFileSync(f.stateFile, 'utf8'));
    expect(state.launches).toMatchObject([{ instance: 'cpu', batchJobId: '4711', phase: 'submitted' }]);
  });

  it('keeps a second launcher away from the same data directory', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    const run = startRun(f);
    await eventually(() => run.cycles() >= 1, 60_000, 'a first cycle');
    const second = await f.cli(['run-single']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(
      /error: Another launcher \(process \d+ on .*, since .*\) holds .*meta\.state\.lock/,
    );
    expect(second.stderr).toContain('its command: gitlab-meta-runner run');
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
    // The lock is released on exit.
    expect((await f.cli(['run-single'])).exitCode).toBe(0);
  });

  it('keeps polling when GitLab fails for a while', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    const outage = f.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 500, times: 2 });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const run = startRun(f);
    await eventually(() => launches(f).length === 1, 60_000, 'a launch after the outage');
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
    expect(outage.hits).toBe(2);
    expect(run.stderr()).toMatch(/error: .*500/);
  });

  it('renews runner tokens that expire soon and launches runners with the new ones', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: localBatch,
      top: 'rotate_tokens_within = "2h"',
      simulator: { runnerTokenExpiresIn: 3600 },
    });
    const tokensFile = join(f.dataDir, 'meta.tokens');
    const before = readFileSync(tokensFile, 'utf8');
    const oldToken = f.sim.runners()[0]!.token;
    const run = startRun(f);
    await eventually(() => readFileSync(tokensFile, 'utf8') !== before, 60_000, 'the tokens file to change');
    const newToken = f.sim.runners()[0]!.token;
    expect(newToken).not.toBe(oldToken);
    expect(readFileSync(tokensFile, 'utf8')).toContain(newToken);
    // The generated config is rewritten right after the tokens file.
    const generated = join(f.dataDir, 'meta.gitlab-config.toml');
    await eventually(
      () => readFileSync(generated, 'utf8').includes(newToken),
      60_000,
      'the generated config to change',
    );
    // A runner launched now authenticates with the new token.
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    await f.sim.waitFor(() => f.sim.job(job!.id)?.status === 'success', { timeoutMs: 90_000 });
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
    expect(run.stderr()).toMatch(/renewed an expiring token/);
    expect(run.stderr()).not.toContain(newToken);
  });
});
