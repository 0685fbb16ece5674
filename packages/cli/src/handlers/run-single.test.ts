import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from '../../test/launch-fixture.js';
import { runHarness } from '../../test/run-harness.js';

const { fixture } = runHarness();

/** A launch command that records `<instance> <NUM_JOBS>` and prints a job id that the status command lists. */
const recordingLaunch = `
executable = "sh"
args = ['-c', 'echo "$$0 $$1" >> "$$BATCH_DIR/launches"; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME', '$NUM_JOBS']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
timeout = 30
`;

const launches = (f: LaunchFixture) => {
  const file = join(f.env.BATCH_DIR!, 'launches');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
};

describe('gitlab-meta-runner run-single', () => {
  it('reads every page of pending jobs through rate limiting and launches one runner per job', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `${recordingLaunch}concurrency = 8\n`,
      simulator: { pagination: { forcePerPage: 20 } },
    });
    f.sim.addJobs(Array.from({ length: 45 }, () => ({ tags: ['cpu'] })));
    const limited = f.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      nth: 2,
      times: 2,
      rateLimit: { retryAfter: 0 },
    });
    const result = await f.cli(['run-single']);
    expect(result.stderr).toMatch(
      /cycle pending=45 matched=cpu:45 in_flight=45 launched=45 failed=0 unmatched=0/,
    );
    expect(result.exitCode).toBe(0);
    expect(limited.hits).toBe(2);
    expect(launches(f)).toEqual(Array(45).fill('cpu 1'));
  });

  it('does not launch again for jobs whose launches are still queued, and does once a launch ended', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: recordingLaunch });
    f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['cpu'] }]);
    expect((await f.cli(['run-single'])).exitCode).toBe(0);
    const second = await f.cli(['run-single']);
    expect(second.stderr).toMatch(/in_flight=3 launched=0/);
    expect(launches(f)).toHaveLength(3);

    // One batch job ended without taking a job: its job is still pending, so it gets a new launch.
    const alive = join(f.env.BATCH_DIR!, 'alive');
    writeFileSync(alive, readFileSync(alive, 'utf8').split('\n').slice(1).join('\n'));
    const third = await f.cli(['run-single']);
    expect(third.stderr).toMatch(/in_flight=3 launched=1/);
    expect(launches(f)).toHaveLength(4);
  });

  it('matches untagged jobs only to instances with run_untagged, and the fewest tags first', async () => {
    const f = await fixture({
      instances: {
        narrow: { tags: ['x'] },
        wide: { tags: ['x', 'y'], run_untagged: true },
      },
      launch: recordingLaunch,
    });
    f.sim.addJobs([{ tags: [] }, { tags: ['x'] }, { tags: ['y'] }, { tags: [] }, { tags: ['z'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(0);
    expect(launches(f).sort()).toEqual(['narrow 1', 'wide 1', 'wide 1', 'wide 1']);
    expect(result.stderr).toMatch(/pending job matches no runner instance.* tags=z/);
  });

  it('exits 1 and shows the exit code, stdout and stderr of a failing launch command', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `
executable = "sh"
args = ['-c', 'cat >/dev/null; echo "submitting for $$0"; echo "sbatch: error: Batch job submission failed: Invalid account" >&2; exit 1', '$NAME']
`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/The launch command sh failed with exit code 1/);
    expect(result.stderr).toContain('stdout: submitting for cpu');
    expect(result.stderr).toContain('stderr: sbatch: error: Batch job submission failed: Invalid account');
    expect(result.stderr).toMatch(/cycle .*launched=0 failed=1/);
    const state = JSON.parse(readFileSync(f.stateFile, 'utf8'));
    expect(state.launches).toEqual([]);
    expect(state.backoff.cpu.failures).toBe(1);
    expect(state.recentFailures).toEqual([
      expect.objectContaining({
        instance: 'cpu',
        message: expect.stringContaining('failed with exit code 1'),
      }),
    ]);
    // status shows it, with the backoff.
    const status = await f.cli(['status']);
    expect(status.stdout).toMatch(/recent launch failures:\n {2}\S+ cpu: .*failed with exit code 1/);
    expect(status.stdout).toMatch(/cpu: 1 failed launch\(es\) in a row, next try in/);
    // The next run-single respects the backoff instead of hammering the batch system.
    const again = await f.cli(['run-single', '-v']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/1 job\(s\) wait: backoff after failed launches/);
  });

  it('stops a launch command that hangs past its timeout, with everything it started', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `
executable = "sh"
args = ['-c', 'sleep 60 & echo $$! > "$$BATCH_DIR/child"; wait']
timeout = 1
`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/did not finish within 1 s and was stopped with its child processes/);
    const child = Number(readFileSync(join(f.env.BATCH_DIR!, 'child'), 'utf8'));
    // SIGKILL was sent; on a busy machine the child may need a moment to be gone.
    const gone = () => {
      try {
        return readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z');
      } catch {
        return true;
      }
    };
    await eventually(gone, 60_000, 'the child of the launch command to end');
  });

  it('accepts a launch that prints no job id and counts it until pickup_timeout', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `
executable = "sh"
args = ['-c', 'cat >/dev/null; echo "$$0" >> "$$BATCH_DIR/launches"', '$NAME']
pickup_timeout = "1h"
`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const first = await f.cli(['run-single']);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toMatch(
      /printed no job id; the launch counts as in flight for pickup_timeout \(3600 s\)/,
    );
    const second = await f.cli(['run-single']);
    expect(second.stderr).toMatch(/in_flight=1 launched=0/);
    expect(launches(f)).toEqual(['cpu']);
  });

  it('feeds the expanded stdin to the launch command and keeps tokens out of its arguments and environment', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `
executable = "sh"
args = ['-c', 'cat > "$$BATCH_DIR/script"; env > "$$BATCH_DIR/env"; echo "$$@" > "$$BATCH_DIR/args"; echo 1', 'launch', '--runner=$NAME']
stdin = """
#!/bin/bash
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`,
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    expect((await f.cli(['run-single'])).exitCode).toBe(0);
    const read = (name: string) => readFileSync(join(f.env.BATCH_DIR!, name), 'utf8');
    expect(read('script')).toBe(
      `#!/bin/bash\ngitlab-runner run-single --config ${join(f.dataDir, 'meta.gitlab-config.toml')} --runner cpu --max-builds 1 --wait-timeout 1\n`,
    );
    expect(read('args').trim()).toBe('--runner=cpu');
    const runnerToken = f.sim.runners()[0]!.token;
    for (const name of ['env', 'args', 'script']) {
      expect(read(name)).not.toContain(f.sim.token);
      expect(read(name)).not.toContain(runnerToken);
    }
    expect(read('env')).not.toMatch(/^MR_TEST_TOKEN=/m);
    expect(read('env')).toMatch(/^BATCH_DIR=/m);
  });

  it('asks for configure first when nothing is registered', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: recordingLaunch });
    const result = await runCli(
      ['run-single', '--config-file', f.configFile, '--data-dir', join(f.dir, 'empty')],
      {
        env: f.env,
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/No runner is configured yet/);
    expect(result.stderr).toMatch(/hint: run `gitlab-meta-runner configure` first/);
  });
});
