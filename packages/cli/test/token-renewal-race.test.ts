import { readFileSync } from 'node:fs';
import { GitLabClient } from '@mr/gitlab-api';
import { readTokens, tokensFilePath } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** Trials of `configure` and `run-single` renewing the same token at once. */
const TRIALS = Number(process.env.MR_RACE_TRIALS ?? 20);

describe('token renewal by configure and run-single at the same time', { timeout: 900_000 }, () => {
  it(`leaves stored the token GitLab accepts, in each of ${TRIALS} trials`, async () => {
    const f = await harness.fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: 'executable = "true"',
      // Every token expires within rotate_tokens_within: both commands renew it each time.
      simulator: { runnerTokenExpiresIn: 3600 },
      top: 'rotate_tokens_within = "2h"',
    });
    const tokensFile = tokensFilePath(f.dataDir, 'meta');
    const gitlab = new GitLabClient({ baseUrl: f.sim.url, token: f.sim.token });
    let lost = 0;
    let contended = 0;
    let resets = 0;
    try {
      for (let trial = 1; trial <= TRIALS; trial++) {
        // The first renewal of the trial is answered late, after GitLab issued the new token: without one
        // lock over reset and write, the other command's reset lands in between and the late answer is
        // written last, so a revoked token stays stored.
        const late = f.sim.inject({
          endpoint: 'POST /runners/:id/reset_authentication_token',
          afterHandling: true,
          delayMs: 300,
        });
        const before = f.sim.requestCount('POST /runners/:id/reset_authentication_token');
        const [configure, runSingle] = await Promise.all([f.cli(['configure']), f.cli(['run-single'])]);
        late.remove();
        expect(configure.stderr).not.toMatch(/^error/m);
        expect([configure.exitCode, runSingle.exitCode]).toEqual([0, 0]);
        resets += f.sim.requestCount('POST /runners/:id/reset_authentication_token') - before;
        if (
          /waiting for another process that changes runner tokens/.test(configure.stderr + runSingle.stderr)
        )
          contended++;

        const stored = (await readTokens(tokensFile)).cpu!;
        const inGitLab = f.sim.runner(stored.id)!;
        if (stored.token !== inGitLab.token) lost++;
        expect(stored.token).toBe(inGitLab.token);
        expect(await gitlab.verifyRunner(stored.token)).not.toBeNull();
        // The generated gitlab-runner config, which run-single hands to gitlab-runner, holds it too.
        expect(readFileSync(`${f.dataDir}/meta.gitlab-config.toml`, 'utf8')).toContain(
          `token = "${stored.token}"`,
        );
      }
    } finally {
      await gitlab.close();
    }
    // Each command renewed the token once per trial (one after the other, under the lock).
    expect(resets).toBe(2 * TRIALS);
    console.info(
      `token renewal race: ${TRIALS} trials, ${contended} with one command waiting for the other, ${lost} revoked tokens stored`,
    );
    expect(lost).toBe(0);
  });
});
