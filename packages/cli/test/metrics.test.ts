import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readTokens } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { parseProm, sumOf, sampleValue } from './prom-text.js';
import { runHarness } from './run-harness.js';

const { fixture, startRun } = runHarness();

/** A launch that records itself and prints an id the status command keeps listing (a batch job that waits). */
const queuedLaunch = `
executable = "sh"
args = ['-c', 'echo "$$0" >> "$$BATCH_DIR/launches"; echo id-$$$$ | tee -a "$$BATCH_DIR/alive"', '$NAME']
status_command = ['sh', '-c', 'cat "$$BATCH_DIR/alive" 2>/dev/null | sed "s/$$/ R/" || true']
`;

const N = 'gitlab_meta_runner_';

/** Starts `run` (killed after the test) and waits for its metrics listener and `cycles` cycles. */
async function runServingMetrics(f: LaunchFixture, cycles: number) {
  const { child, stderr, cycles: done } = startRun(f);
  await eventually(() => /serving metrics url=(\S+)/.test(stderr()), 60_000, 'the metrics listener');
  const url = /serving metrics url=(\S+)/.exec(stderr())![1]!;
  await eventually(() => done() >= cycles, 90_000, `${cycles} cycles`);
  return { child, url };
}

describe('metrics of run and run-single', () => {
  it('serves /metrics during run and writes the textfile after each cycle, with the figures of the run', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } },
      launch: queuedLaunch,
      simulator: { runnerTokenExpiresIn: 30 * 86_400, accessToken: { expiresAt: '2027-06-30' } },
    });
    const textfile = join(f.dir, 'textfile', 'meta.prom');
    mkdirSync(join(f.dir, 'textfile'));
    appendFileSync(f.configFile, `\n[metrics]\nlisten = "127.0.0.1:0"\ntextfile = "${textfile}"\n`);
    // One rate-limited answer (retried at once), two cpu jobs, one job no instance can take.
    const limited = f.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      rateLimit: { retryAfter: 0 },
    });
    f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }, { tags: ['arm'] }]);
    const { child, url } = await runServingMetrics(f, 3);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseProm(await response.text());
    expect(types.get(`${N}launches_total`)).toBe('counter');
    expect(types.get(`${N}pending_to_launch_seconds`)).toBe('histogram');
    // One project: no per-project series.
    expect([...types.keys()].filter((name) => name.startsWith(`${N}project_`))).toEqual([]);
    expect(sampleValue(samples, `${N}pending_jobs`, { instance: 'cpu' })).toBe(2);
    expect(sampleValue(samples, `${N}pending_jobs`, { instance: 'gpu' })).toBe(0);
    expect(sampleValue(samples, `${N}unmatched_pending_jobs`)).toBe(1);
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'cpu', outcome: 'submitted' })).toBe(2);
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'cpu', outcome: 'failed' })).toBe(0);
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'gpu', outcome: 'submitted' })).toBe(0);
    expect(sumOf(samples, `${N}runners_in_flight`, { instance: 'cpu' })).toBe(2);
    expect(sampleValue(samples, `${N}runners_in_flight`, { instance: 'cpu', state: 'running' })).toBe(2);
    expect(sumOf(samples, `${N}runners_in_flight`, { instance: 'gpu' })).toBe(0);
    expect(sampleValue(samples, `${N}pending_to_launch_seconds_count`, { instance: 'cpu' })).toBe(2);
    expect(
      sampleValue(samples, `${N}pending_to_launch_seconds_bucket`, { instance: 'cpu', le: '+Inf' }),
    ).toBe(2);
    expect(sampleValue(samples, `${N}gitlab_requests_total`, { method: 'GET', code: '429' })).toBe(1);
    expect(sampleValue(samples, `${N}gitlab_requests_total`, { method: 'GET', code: '200' })).toBeGreaterThan(
      3,
    );
    expect(limited.hits).toBe(1);
    expect(sampleValue(samples, `${N}cycles_total`, { outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    const lastGood = sampleValue(samples, `${N}last_successful_cycle_timestamp_seconds`)!;
    expect(Math.abs(lastGood - Date.now() / 1000)).toBeLessThan(600);
    expect(sampleValue(samples, `${N}management_token_expiry_timestamp_seconds`)).toBe(
      Date.parse('2027-06-30') / 1000,
    );
    const tokens = await readTokens(join(f.dataDir, 'meta.tokens'));
    expect(sampleValue(samples, `${N}runner_token_expiry_timestamp_seconds`, { instance: 'cpu' })).toBe(
      Date.parse(tokens.cpu!.token_expires_at!) / 1000,
    );
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);

    // The textfile: complete, parseable, readable by node_exporter, and no temporary file left behind.
    const file = parseProm(readFileSync(textfile, 'utf8'));
    expect(sampleValue(file.samples, `${N}launches_total`, { instance: 'cpu', outcome: 'submitted' })).toBe(
      2,
    );
    expect(statSync(textfile).mode & 0o777).toBe(0o644);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    expect(readdirSync(join(f.dir, 'textfile'))).toEqual(['meta.prom']);
  });

  it('adds series per project for a group, and the per-instance totals stay as they were', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } },
      launch: queuedLaunch,
      scope: 'group = "lab"',
      simulator: {
        groups: [{ path: 'lab' }, { path: 'lab/sub' }],
        projects: [
          { id: 1, path: 'lab/app' },
          { id: 2, path: 'lab/sub/deep' },
          { id: 3, path: 'lab/quiet' },
        ],
      },
    });
    appendFileSync(f.configFile, '\n[metrics]\nlisten = "127.0.0.1:0"\n');
    f.sim.addJobs([
      { projectId: 1, tags: ['cpu'] },
      { projectId: 1, tags: ['cpu'] },
      { projectId: 2, tags: ['cpu'] },
      { projectId: 2, tags: ['arm'] },
    ]);
    const { child, url } = await runServingMetrics(f, 2);
    const { samples, types } = parseProm(await (await fetch(url)).text());

    // The totals, with the label sets dashboards query.
    expect(sampleValue(samples, `${N}pending_jobs`, { instance: 'cpu' })).toBe(3);
    expect(sampleValue(samples, `${N}pending_jobs`, { instance: 'gpu' })).toBe(0);
    expect(sampleValue(samples, `${N}unmatched_pending_jobs`)).toBe(1);
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'cpu', outcome: 'submitted' })).toBe(3);
    expect(samples.filter((s) => s.name === `${N}pending_jobs`).map((s) => Object.keys(s.labels))).toEqual([
      ['instance'],
      ['instance'],
    ]);

    // Per project: only projects with pending jobs, summing up to the totals.
    expect(types.get(`${N}project_pending_jobs`)).toBe('gauge');
    expect(types.get(`${N}project_launches_total`)).toBe('counter');
    const pending = (project: string, instance: string) =>
      sampleValue(samples, `${N}project_pending_jobs`, { project, instance });
    expect(pending('lab/app', 'cpu')).toBe(2);
    expect(pending('lab/sub/deep', 'cpu')).toBe(1);
    expect(pending('lab/app', 'gpu')).toBe(0);
    expect(sumOf(samples, `${N}project_pending_jobs`, { instance: 'cpu' })).toBe(3);
    expect(sampleValue(samples, `${N}project_unmatched_pending_jobs`, { project: 'lab/sub/deep' })).toBe(1);
    expect(sampleValue(samples, `${N}project_unmatched_pending_jobs`, { project: 'lab/app' })).toBe(0);
    const launched = (project: string) =>
      sampleValue(samples, `${N}project_launches_total`, { project, instance: 'cpu', outcome: 'submitted' });
    expect(launched('lab/app')).toBe(2);
    expect(launched('lab/sub/deep')).toBe(1);
    expect(samples.some((s) => s.labels.project === 'lab/quiet')).toBe(false);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('run-single writes the textfile once, with its failed launch and the job still pending', async () => {
    const f = await fixture({
      instances: { cpu: { tags: ['cpu'] } },
      launch: `executable = "sh"\nargs = ['-c', 'echo no partition >&2; exit 1']`,
    });
    const textfile = join(f.dir, 'meta.prom');
    appendFileSync(f.configFile, `\n[metrics]\ntextfile = "${textfile}"\n`);
    f.sim.addJobs([{ tags: ['cpu'] }]);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    const { samples } = parseProm(readFileSync(textfile, 'utf8'));
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'cpu', outcome: 'failed' })).toBe(1);
    expect(sampleValue(samples, `${N}launches_total`, { instance: 'cpu', outcome: 'submitted' })).toBe(0);
    expect(sampleValue(samples, `${N}cycles_total`, { outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, `${N}pending_jobs`, { instance: 'cpu' })).toBe(1);
    expect(sumOf(samples, `${N}runners_in_flight`)).toBe(0);
  });

  it('counts a cycle GitLab fails as an error and keeps the last good cycle time unset', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    const textfile = join(f.dir, 'meta.prom');
    appendFileSync(f.configFile, `\n[metrics]\ntextfile = "${textfile}"\n`);
    f.sim.inject({ endpoint: 'GET /projects/:id/jobs', status: 500, times: Number.POSITIVE_INFINITY });
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    const { samples } = parseProm(readFileSync(textfile, 'utf8'));
    expect(sampleValue(samples, `${N}cycles_total`, { outcome: 'error' })).toBe(1);
    expect(sampleValue(samples, `${N}last_successful_cycle_timestamp_seconds`)).toBeUndefined();
    expect(sampleValue(samples, `${N}gitlab_requests_total`, { method: 'GET', code: '500' })).toBe(1);
  });

  it('fails with MR_LAUNCH_METRICS_LISTEN when the listen address is taken', async () => {
    const f = await fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: queuedLaunch });
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    appendFileSync(f.configFile, `\n[metrics]\nlisten = "127.0.0.1:${port}"\n`);
    try {
      const result = await f.cli(['run-single', '-vv']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`Cannot serve metrics on 127.0.0.1:${port} ([metrics] listen)`);
      expect(result.stderr).toContain('code: MR_LAUNCH_METRICS_LISTEN');
    } finally {
      blocker.close();
    }
  });
});
