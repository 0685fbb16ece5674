import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitLabClient } from '@mr/gitlab-api';
import { readTokens, tokensFilePath } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** A launch that records its instance and prints an id the status command keeps listing (a queued job). */
const queuedLaunch = `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null || true']
`;

function launches(f: LaunchFixture): string[] {
  const file = join(f.env.BATCH_DIR!, 'launches');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

const startRun = (f: LaunchFixture) => harness.startRun(f, [], 240_000);

const refusal = (instance: string) =>
  new RegExp(`GitLab refuses the runner token of instance ${instance} .*gitlab-meta-runner configure`, 'g');

describe('runner tokens GitLab refuses', { timeout: 300_000 }, () => {
  it('launches nothing for a deleted runner or a revoked token, says so once and in status, and resumes after configure', async () => {
    const f = await harness.fixture({
      instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } },
      launch: queuedLaunch,
      // Tokens with a known, distant expiry: `run` has nothing to renew, only the check can notice.
      simulator: { runnerTokenExpiresIn: 90 * 86_400 },
    });
    const tokens = await readTokens(tokensFilePath(f.dataDir, 'meta'));
    // cpu: the runner is deleted in GitLab. gpu: its token is reset by someone else, so ours is revoked.
    f.sim.removeRunner(tokens.cpu!.id);
    const gitlab = new GitLabClient({ baseUrl: f.sim.url, token: f.sim.token });
    await gitlab.resetRunnerToken(tokens.gpu!.id);
    await gitlab.close();
    f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['gpu'] }]);

    const run = startRun(f);
    await eventually(
      () => (run.stderr().match(refusal('cpu'))?.length ?? 0) > 0 && run.stderr().includes('instance gpu'),
      120_000,
      'both refusals to be logged',
    );
    const after = run.cycles();
    await eventually(() => run.cycles() >= after + 3, 120_000, 'three more cycles');
    expect(launches(f)).toEqual([]);
    expect(run.stderr().match(refusal('cpu'))).toHaveLength(1);
    expect(run.stderr().match(refusal('gpu'))).toHaveLength(1);

    const status = await f.cli(['status', '--json']);
    expect(status.exitCode).toBe(0);
    const report = JSON.parse(status.stdout) as {
      runners: { instance: string; token_refused?: { since: string } }[];
    };
    const refused = report.runners.filter((r) => r.token_refused).map((r) => r.instance);
    expect(refused).toEqual(['cpu', 'gpu']);
    const text = await f.cli(['status']);
    expect(text.stdout).toMatch(/cpu: runner id \d+.*GitLab REFUSES its token.*gitlab-meta-runner configure/);

    // The fix the error names: configure registers cpu again and renews gpu's token; the running launcher
    // reads the new tokens, GitLab accepts them, and the waiting jobs get their launches.
    const configured = await f.cli(['configure']);
    expect(configured.exitCode).toBe(0);
    expect(configured.stdout).toMatch(/registered again \(deleted in GitLab\): cpu/);
    expect(configured.stdout).toMatch(/token renewed: gpu/);
    await eventually(
      () => launches(f).includes('cpu') && launches(f).includes('gpu'),
      120_000,
      'launches for both instances',
    );
    expect(run.stderr()).toMatch(/GitLab accepts the runner token again; launches resume.*instance=cpu/);
    const stateFile = join(f.dataDir, 'meta.state');
    await eventually(
      () => Object.keys(JSON.parse(readFileSync(stateFile, 'utf8')).refusedTokens).length === 0,
      120_000,
      'the state to forget the refusals',
    );
    const healed = JSON.parse((await f.cli(['status', '--json'])).stdout) as {
      runners: { token_refused?: unknown }[];
    };
    expect(healed.runners.filter((r) => r.token_refused)).toEqual([]);

    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(0);
  });
});
