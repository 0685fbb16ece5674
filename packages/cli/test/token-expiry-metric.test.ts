// The management token's expiry in the metrics of a long-running `run` follows GitLab: read again with the
// token check cadence and after GitLab refuses the token, never once per cycle.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, type FixtureOptions, type LaunchFixture, launchFixture } from './launch-fixture.js';
import { parseProm, sampleValue } from './prom-text.js';

afterAll(removeTempDirs);

const EXPIRY = 'gitlab_meta_runner_management_token_expiry_timestamp_seconds';

/** `run` with a metrics textfile; the expiry it last wrote, and its successful cycles so far. */
async function startRun(options: Partial<FixtureOptions>) {
  const f: LaunchFixture = await launchFixture({
    instances: { cpu: { tags: ['cpu'] } },
    launch: `executable = "sh"\nargs = ["-c", "echo 1"]`,
    simulator: { accessToken: { expiresAt: '2027-06-30' } },
    ...options,
  });
  const textfile = join(f.dir, 'meta.prom');
  const text = readFileSync(f.configFile, 'utf8');
  writeFileSync(f.configFile, `${text}\n[metrics]\ntextfile = "${textfile}"\n`);
  const child = f.cli(['run'], { timeout: 170_000 });
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await f.close();
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const expiry = (): number | undefined => {
    try {
      return sampleValue(parseProm(readFileSync(textfile, 'utf8')).samples, EXPIRY);
    } catch {
      return undefined; // not written yet
    }
  };
  const cycles = () => stderr.split('\n').filter((l) => l.startsWith('cycle ')).length;
  const reads = () => f.sim.requestCount('GET /personal_access_tokens/self');
  return { f, child, expiry, cycles, reads };
}

const at = (date: string) => Date.parse(date) / 1000;

describe('the management token expiry metric of run', () => {
  it('follows an expiry changed in GitLab at the token check cadence', async () => {
    // rotate_tokens_within = 2s: run looks at its tokens every 0.5 s (a quarter of it), so the test need not
    // wait the 10 minutes of the default.
    const { f, expiry } = await startRun({ top: 'rotate_tokens_within = "2s"' });
    await eventually(() => expiry() === at('2027-06-30'), 60_000, 'the expiry read at start');
    f.sim.accessToken.expiresAt = '2027-01-15';
    await eventually(() => expiry() === at('2027-01-15'), 60_000, 'the new expiry');
  });

  it('reads it again after a 401, once per refusal, and not in every cycle', async () => {
    const { f, expiry, cycles, reads } = await startRun({});
    await eventually(() => expiry() === at('2027-06-30') && cycles() >= 5, 60_000, 'five cycles');
    // The default cadence (10 minutes) does not come round during the test: one read, at start.
    expect(reads()).toBe(1);
    f.sim.accessToken.expiresAt = '2027-02-01';
    f.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 401 });
    await eventually(() => expiry() === at('2027-02-01'), 60_000, 'the expiry read after the 401');
    expect(reads()).toBe(2);

    // A refusal that goes on (every cycle answered 401) costs one more read, not one per cycle.
    const refused = f.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      status: 401,
      times: Number.POSITIVE_INFINITY,
    });
    await eventually(() => refused.hits >= 6, 60_000, 'six refused cycles');
    expect(reads()).toBe(3);
    refused.remove();
    const before = cycles();
    await eventually(() => cycles() >= before + 3, 60_000, 'three good cycles');
    expect(reads()).toBe(3);
  });
});
