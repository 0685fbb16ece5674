import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type FixtureOptions, type LaunchFixture, launchFixture } from './launch-fixture.js';

const fixtures: LaunchFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close();
});
afterAll(removeTempDirs);

async function fixture(options: FixtureOptions): Promise<LaunchFixture> {
  const f = await launchFixture(options);
  fixtures.push(f);
  return f;
}

/** bg-submit (a local batch system of the fixture) with a script that names the secret variable. */
const launch = `
executable = "bg-submit"
args = ["--partition=\${PARTITION:-cpu}", "--job-name=two words"]
status_command = ["bg-status"]
stdin = """
#!/bin/sh
# token: $MR_TEST_TOKEN
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
group_size = 2
timeout = 30
`;

describe('gitlab-meta-runner run-single --dry-run', { timeout: 120_000 }, () => {
  it('prints the launches it would make, secrets redacted, and launches and records nothing', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } }, launch });
    const jobs = f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['arm'] }]);
    const [a, b, c] = jobs.map((j) => j.id);

    const result = await f.cli(['run-single', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('dry run: nothing was launched');
    expect(out).toContain('pending jobs: 4 (matched: cpu 3; matching no instance: 1)');
    expect(out).toContain('would launch 2 runner(s):');
    expect(out).toContain(`cpu: 2 job(s): ${a}, ${b}`);
    expect(out).toContain(`cpu: 1 job(s): ${c}`);
    expect(out).toContain("command: bg-submit --partition=cpu '--job-name=two words'");
    expect(out).toMatch(
      /exec gitlab-runner run-single --config \S+meta\.gitlab-config\.toml --runner cpu --max-builds 2/,
    );
    expect(out).toContain('# token: [redacted]');
    expect(out + result.stderr).not.toContain(f.sim.token);

    expect(f.submitted()).toEqual([]);
    expect(existsSync(f.stateFile)).toBe(false);
    expect(existsSync(join(f.dataDir, 'meta.state.lock'))).toBe(false);
    expect(f.sim.jobs().filter((j) => j.status === 'pending')).toHaveLength(4);

    // Nothing was recorded: the real cycle launches all of it.
    const real = await f.cli(['run-single']);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/in_flight=2 launched=2 failed=0/);
    expect(f.submitted()).toHaveLength(2);
  });

  it('says it would launch nothing when no job is pending', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
    const result = await f.cli(['run-single', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('would launch nothing');
    expect(existsSync(f.stateFile)).toBe(false);
  });
});

describe('a launch executable that does not exist', { timeout: 120_000 }, () => {
  it('is named with the PATH it was looked for in, and a hint', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: 'executable = "no-such-sbatch"\nbatch_system = "generic"\n',
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `The launch executable "no-such-sbatch" was not found in PATH (${f.env.PATH})`,
    );
    expect(result.stderr).toMatch(/hint=.*add its directory to the PATH/);
    expect(result.stderr).toContain('code=MR_LAUNCH_SPAWN');
  });

  it('is named as a path when [launch] executable is one', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: 'executable = "/nonexistent/bin/sbatch"\n',
    });
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The launch executable /nonexistent/bin/sbatch does not exist');
  });
});
