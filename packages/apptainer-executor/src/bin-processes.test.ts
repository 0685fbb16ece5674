// No process of a job step outlives it: a step's script leaves one process of each survivor pattern behind
// (a background child, a double-forked daemon, a setsid child, a TERM-ignoring orphan, a process in a
// group of its own), and `mr-apptainer-executor` is ended as gitlab-runner ends it. Counted by name in
// /proc after the step and after cleanup.
import { join } from 'node:path';
import {
  formatSurvivors,
  makeTempDir,
  measureSurvivors,
  removeTempDirs,
  type StandInApptainerOptions,
  type StepEnding,
  type SurvivorCounts,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { setup } from '../test/bin-setup.js';

afterAll(removeTempDirs);

/** Trials per stage and ending (each starts one process of every pattern); more with MR_SURVIVOR_TRIALS. */
const TRIALS = Number(process.env.MR_SURVIVOR_TRIALS ?? 2);

let jobs = 900;

async function measure(stage: string, endings: StepEnding[], standIn: StandInApptainerOptions = {}) {
  const t = await setup('kill_timeout = "2s"', standIn);
  const table = await measureSurvivors({
    executor: t.executor,
    newJob: () => t.session({ id: ++jobs, image: 'alpine:3.20' }),
    stage,
    endings,
    trials: TRIALS,
    readyFile: () => join(makeTempDir(), 'ready'),
  });
  console.log(
    `survivors, ${TRIALS} trials each (${JSON.stringify(standIn)}):\n${formatSurvivors(stage, table, TRIALS)}`,
  );
  return table;
}

function expectNoSurvivors(table: Map<StepEnding, SurvivorCounts>) {
  for (const [ending, counts] of table) {
    for (const [pattern, c] of Object.entries(counts)) {
      if (ending === 'end' || ending === 'term') expect(c.afterStep, `${ending} ${pattern}`).toBe(0);
      expect(c.afterCleanup, `${ending} ${pattern} after cleanup`).toBe(0);
    }
  }
}

describe('processes of a step', () => {
  it('in the image (a PID namespace): none outlives the step, nor a SIGKILL of its process group', async () => {
    const table = await measure('build_script', ['end', 'term', 'kill-group']);
    expectNoSurvivors(table);
    for (const counts of table.values()) for (const c of Object.values(counts)) expect(c.afterStep).toBe(0);
  });
});
