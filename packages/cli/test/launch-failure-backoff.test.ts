// The failure backoff through `run-single`: launches that fail together in one cycle count as one failure.
import { readFileSync } from 'node:fs';

import { expect, it } from 'vitest';
import { runHarness } from './run-harness.js';

const harness = runHarness();

/** Every launch command waits until four of them run at once, then fails. */
const failingTogether = `
executable = "sh"
args = ['-c', 'touch "$$BATCH_DIR/running.$$$$"; while [ $$(ls "$$BATCH_DIR" | grep -c "^running\\\\.") -lt 4 ]; do sleep 0.05; done; echo "sbatch: error: no partition" >&2; exit 1']
concurrency = 4
failure_backoff = "30s"
timeout = 120
`;

it('counts four launches failing in one cycle as one failure: the backoff is failure_backoff, not 4 min', async () => {
  const f = await harness.fixture({ instances: { cpu: { tags: ['cpu'] } }, launch: failingTogether });
  f.sim.addJobs(Array.from({ length: 4 }, () => ({ tags: ['cpu'] })));
  const before = Date.now();
  const result = await f.cli(['run-single'], { timeout: 170_000 });
  expect(result.stderr).toMatch(/cycle pending=4 matched=cpu:4 in_flight=0 launched=0 failed=4/);
  expect(result.exitCode).toBe(1);
  const state = JSON.parse(readFileSync(f.stateFile, 'utf8'));
  expect(state.backoff.cpu.failures).toBe(1);
  const wait = Date.parse(state.backoff.cpu.until) - Date.parse(state.savedAt);
  // One failure: failure_backoff (30 s) from when it was recorded, so at most 30 s after the last save.
  expect(wait).toBeLessThanOrEqual(30_000);
  expect(Date.parse(state.backoff.cpu.until)).toBeGreaterThan(before);
});
