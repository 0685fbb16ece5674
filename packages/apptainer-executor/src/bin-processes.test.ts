// No process of a job step outlives it: a step's script leaves one process of each survivor pattern behind
// (a background child, a double-forked daemon, a setsid child, a TERM-ignoring orphan, a process in a
// group of its own), and `mr-apptainer-executor` is ended as gitlab-runner ends it. Counted by name in
// /proc after the step and after cleanup.
import { join } from 'node:path';
import {
  formatSurvivors,
  killSurvivors,
  makeTempDir,
  measureSurvivors,
  removeTempDirs,
  runStepEnding,
  survivorCount,
  survivorScript,
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
  it.concurrent('in the image: none outlives the step, and none outlives cleanup after a SIGKILL', async () => {
    const table = await measure('build_script', ['end', 'term', 'kill-group', 'kill-process']);
    expectNoSurvivors(table);
    // The PID namespace takes every process at once when the step's process group is SIGKILLed.
    for (const c of Object.values(table.get('kill-group')!)) expect(c.afterStep).toBe(0);
  });

  it.concurrent('on the host (predefined stages): none outlives the step, none outlives cleanup', async () => {
    expectNoSurvivors(await measure('get_sources', ['end', 'term', 'kill-group', 'kill-process']));
  });

  it.concurrent('in the image where the node allows no PID namespace: the same, by the step marker', async () => {
    expectNoSurvivors(
      await measure('build_script', ['end', 'term', 'kill-group', 'kill-process'], { pidNamespace: false }),
    );
  });

  it('cleanup of one job ends its processes only, never those of another job running beside it', async () => {
    const t = await setup();
    const jobs = [
      { id: 960, stage: 'build_script' },
      { id: 961, stage: 'get_sources' },
    ].map((j) => ({
      ...j,
      session: t.session({ id: j.id, image: 'alpine:3.20' }),
      token: `${process.pid}-x${j.id}`,
    }));
    try {
      for (const j of jobs) {
        expect((await j.session.config()).exitCode).toBe(0);
        expect((await j.session.prepare()).exitCode).toBe(0);
      }
      // Both steps at once, each executor SIGKILLed alone: their processes live on until cleanup.
      await Promise.all(
        jobs.map((j) => {
          const ready = join(makeTempDir(), 'ready');
          const body = `${survivorScript(j.token, ready)}\nsleep 600`;
          return runStepEnding(t.executor, j.session, j.stage, body, 'kill-process', ready);
        }),
      );
      const [a, b] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
      expect([survivorCount(a.token), survivorCount(b.token)]).toEqual([5, 5]);
      expect((await a.session.cleanup()).exitCode).toBe(0);
      expect([survivorCount(a.token), survivorCount(b.token)]).toEqual([0, 5]);
      const cleanedB = await b.session.cleanup();
      expect(cleanedB.stderr).toMatch(/Ended \d+ processes the job left running/);
      expect([survivorCount(a.token), survivorCount(b.token)]).toEqual([0, 0]);
    } finally {
      for (const j of jobs) killSurvivors(j.token);
    }
  });
});
