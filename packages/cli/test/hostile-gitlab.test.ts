// GitLab answers that would cost without bound, through `run-single`: each fails the cycle clearly.
import { expect, it } from 'vitest';
import { runHarness } from './run-harness.js';

const harness = runHarness();

const launch = `
executable = "sh"
args = ['-c', 'echo id-$$$$']
`;

it('stops reading a 600 MB page of pending jobs at 32 MiB and says so, not "cannot reach GitLab"', async () => {
  const f = await harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch });
  f.sim.addJobs([{ tags: ['cpu'] }]);
  const fault = f.sim.inject({ endpoint: 'GET /projects/:id/jobs', oversizedBody: 600 * 1024 * 1024 });
  const result = await f.cli(['run-single'], { timeout: 170_000 });
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toMatch(/answer to GET \S+\/jobs is larger than 32 MiB; reading stopped there/);
  expect(result.stderr).not.toMatch(/Cannot reach GitLab/);
  expect(fault.hits).toBe(1);
});
