// The multi-stage workload of the pickup benchmark: pipelines of several stages, each of `width` jobs. The
// first stage arrives on an idle launcher (a cold start, like the other workloads); each later stage becomes
// pending the moment the last job of the stage before it ends, as GitLab makes the jobs of a stage pending
// when the previous stage completes. So the later stages arrive right after the launcher was busy: it
// launched runners, and they took and ran their jobs. Each job runs `sleep` for a drawn time, so that the
// stage ends fall anywhere in the poll phase.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../test/launch-fixture.ts';
import type { Arrival, PickupRun } from './pickup-run.ts';

export interface StageWorkload {
  /** Pipelines per width. */
  pipelines: number;
  /** Jobs per stage, one workload per width. */
  widths: readonly number[];
  stages: number;
  /** A job runs between these many seconds (drawn uniformly). */
  jobSeconds: readonly [number, number];
  /** After the launcher relaxed, the first stage arrives after up to this long (drawn uniformly), ms. */
  phaseMs: number;
  /** The longest a variant may take to relax before the bench gives up on it, ms. */
  relaxMs: number;
}

/** The arrival kinds of one width: the first stage, and the stages after it. */
export const stageKinds = (width: number) => ({
  first: `stages×${width} first`,
  later: `stages×${width} later`,
});

/** Runs the pipelines through one variant; returns the arrivals (one per stage). */
export async function feedStages(
  run: PickupRun,
  random: () => number,
  workload: StageWorkload,
): Promise<Arrival[]> {
  const arrivals: Arrival[] = [];
  const [low, high] = workload.jobSeconds;
  const scripts = (width: number) =>
    Array.from({ length: width }, () => [`sleep ${(low + random() * (high - low)).toFixed(2)}`]);
  for (const width of workload.widths) {
    const kinds = stageKinds(width);
    for (let p = 0; p < workload.pipelines; p++) {
      await eventually(() => run.relaxed(), workload.relaxMs, `${run.name} to relax`);
      await sleep(random() * workload.phaseMs);
      // Every duration of the pipeline is drawn before its first job runs: the variants draw alike.
      const stageScripts = Array.from({ length: workload.stages }, () => scripts(width));
      let stage = run.add(kinds.first, width, stageScripts[0]);
      arrivals.push(stage);
      for (let s = 1; s < workload.stages; s++) {
        stage = await run.addAfter(stage, kinds.later, stageScripts[s]!);
        arrivals.push(stage);
      }
      await run.ended(stage);
    }
  }
  return arrivals;
}
