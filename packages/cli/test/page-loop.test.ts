// A GitLab (or a proxy in front of it) whose pending-jobs pages never end, through `run-single` and `run`:
// the loop is found after a few requests, the cycle fails with a clear error, and `run` recovers once the
// pages end again. Requests are counted in the simulator's request log.
import { describe, expect, it } from 'vitest';
import { eventually, type LaunchFixture } from './launch-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const launch = `
executable = "sh"
args = ['-c', 'echo id-$$$$']
`;

function fixture(): Promise<LaunchFixture> {
  return harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
}

const jobListRequests = (f: LaunchFixture) => f.sim.requestCount('GET /projects/:id/jobs');
const endless = (f: LaunchFixture) =>
  f.sim.inject({
    endpoint: 'GET /projects/:id/jobs',
    times: Number.POSITIVE_INFINITY,
    endlessNextPage: true,
  });

describe('pending-job pages that never end', () => {
  it('fails run-single after two requests when every page names a next page that repeats the first', async () => {
    const f = await fixture();
    f.sim.addJobs([{ tags: ['cpu'] }, { tags: ['cpu'] }]);
    const fault = endless(f);
    const before = jobListRequests(f);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /GitLab's pagination of GET \/api\/v4\/projects\/\d+\/jobs repeats a page already read/,
    );
    expect(result.stderr).toContain('The server sends a wrong next-page link');
    expect(result.stderr).not.toMatch(/^cycle /m);
    expect(jobListRequests(f) - before).toBe(2);
    expect(fault.hits).toBe(2);
    expect(f.sim.requests.filter((r) => r.fault === 'endless-pages').map((r) => r.path)).toEqual([
      expect.not.stringMatching(/[?&]page=/),
      expect.stringMatching(/[?&]page=2(&|$)/),
    ]);
  });

  it('fails run-single after one request when the next page of an empty list is announced', async () => {
    const f = await fixture();
    endless(f);
    const before = jobListRequests(f);
    const result = await f.cli(['run-single']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/jobs sends an empty page with a next page/);
    expect(jobListRequests(f) - before).toBe(1);
  });

  it('stops run-single at the bound of 1,000 pages when every page brings new jobs and names a next one', async () => {
    const f = await fixture();
    f.sim.addJobs([{ tags: ['cpu'] }]);
    f.sim.inject({
      endpoint: 'GET /projects/:id/jobs',
      times: Number.POSITIVE_INFINITY,
      endlessNextPage: 'new-jobs',
    });
    const before = jobListRequests(f);
    const result = await f.cli(['run-single'], { timeout: 170_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /GitLab's pagination of GET \/api\/v4\/projects\/\d+\/jobs goes on beyond 1000 pages/,
    );
    expect(jobListRequests(f) - before).toBe(1000);
    expect(result.stderr).not.toMatch(/^cycle /m);
  });

  it('keeps run going through cycles that fail with two requests each, and launches once the pages end', async () => {
    const f = await fixture();
    const [job] = f.sim.addJobs([{ tags: ['cpu'] }]);
    const fault = endless(f);
    const { child: run, stderr } = harness.startRun(f);
    const failures = () =>
      stderr()
        .split('\n')
        .filter((l) => / repeats a page already read/.test(l)).length;
    await eventually(() => failures() >= 3, 60_000, 'three failed cycles');
    fault.remove();
    const failed = failures();
    const requests = fault.matched;
    await eventually(
      () => /^cycle pending=1 matched=cpu:1 in_flight=1 launched=1/m.test(stderr()),
      60_000,
      'a launch',
    );
    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(0);
    // Every failed cycle cost two requests (a cycle under way when the fault was removed may have made one).
    expect(requests - 2 * failed).toBeGreaterThanOrEqual(0);
    expect(requests - 2 * failed).toBeLessThanOrEqual(1);
    expect(stderr().match(/ launched=1 /g)).toHaveLength(1);
    expect(f.sim.job(job!.id)?.status).toBe('pending');
  });
});
