import { randomUUID } from 'node:crypto';
import { nextBackoff } from './backoff.js';
import { forEachLimited } from '@mr/node-kit';
import { LaunchCommandError } from './errors.js';
import { launchOne } from './launch-one.js';
import { notify } from './observer.js';
import { recordPickups } from './pickup-times.js';
import type { LauncherCore } from './launcher-core.js';
import type { CycleResult, LaunchFailure } from './cycle-result.js';
import type { PlannedLaunch } from './plan.js';
import { redactText as redact } from '@mr/node-kit/redact';
import { type LaunchRecord, RECENT_FAILURES_KEPT } from './state.js';

/**
 * Runs the planned launches, at most `concurrency` at once. Each is recorded (and saved) before its command
 * runs, so a launcher that dies meanwhile finds it again. A failure drops the record, is kept among the
 * recent failures and backs its instance off; the instance's other launches of this cycle are skipped.
 * `signal` starts no more launches; commands still running get `stopGraceMs`, then `force` stops them.
 */
export async function launchAll(
  core: LauncherCore,
  planned: readonly PlannedLaunch[],
  signal: AbortSignal,
  force: AbortController,
  result: CycleResult,
): Promise<void> {
  const { state, options } = core;
  const launchedAt = core.now().toISOString();
  const records = new Map<PlannedLaunch, LaunchRecord>();
  for (const launch of planned) {
    const record: LaunchRecord = {
      id: randomUUID(),
      instance: launch.instance,
      numJobs: launch.numJobs,
      jobIds: launch.jobIds,
      ...(core.projectsOf(launch.jobIds).length > 0 ? { projects: core.projectsOf(launch.jobIds) } : {}),
      launchedAt,
      phase: 'starting',
    };
    records.set(launch, record);
    state.launches.push(record);
  }
  // Written before any launch command runs: a launcher that dies now finds them again after a restart.
  try {
    await core.save();
  } catch (error) {
    const planned = new Set(records.values());
    state.launches = state.launches.filter((r) => !planned.has(r));
    throw error;
  }
  // A stopping launcher lets launch commands finish, but not forever.
  let forceTimer: NodeJS.Timeout | undefined;
  const onStop = () => {
    forceTimer = setTimeout(() => force.abort(), options.stopGraceMs ?? 120_000);
  };
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });
  // Failures of one instance in one cycle count once: launches running at the same time fail for the same
  // reason, and counting each would double the backoff several times over at once.
  const failedInstances = new Set<string>();
  const { skipped } = await forEachLimited(
    planned,
    options.settings.concurrency,
    async (launch) => {
      const record = records.get(launch)!;
      const outcome = await launchOne(core, record, force.signal).catch(
        (error: unknown): LaunchFailure => ({
          instance: record.instance,
          numJobs: record.numJobs,
          error: new LaunchCommandError(
            'MR_LAUNCH_FAILED',
            `The launch failed: ${redact(String(error), core.secrets)}`,
            { cause: error },
          ),
        }),
      );
      notify(options.observer, 'launch', {
        instance: record.instance,
        jobIds: record.jobIds,
        outcome: outcome === 'unknown' ? 'interrupted' : outcome ? 'failed' : 'submitted',
        at: core.now(),
        code: outcome && outcome !== 'unknown' ? outcome.error.code : undefined,
      });
      if (outcome === 'unknown') {
        // Stopped while running: it may have submitted. Kept as `starting`, so it is looked for again.
        result.interrupted = true;
      } else if (outcome) {
        result.failed++;
        result.failures.push(outcome);
        const first = !failedInstances.has(record.instance);
        failedInstances.add(record.instance);
        state.launches = state.launches.filter((r) => r !== record);
        state.recentFailures = [
          ...state.recentFailures,
          {
            at: core.now().toISOString(),
            instance: record.instance,
            message: outcome.error.message.split('\n')[0]!,
          },
        ].slice(-RECENT_FAILURES_KEPT);
        if (first)
          state.backoff[record.instance] = nextBackoff(
            state.backoff[record.instance],
            options.settings.failureBackoffMs,
            core.now(),
          );
      } else {
        result.launched++;
        const at = core.now();
        recordPickups(state, record.instance, core.pendingSince.take(record.jobIds, at), at);
        // A success resets the backoff, unless a launch of the same cycle failed.
        if (!failedInstances.has(record.instance)) delete state.backoff[record.instance];
      }
      await core.saveQuietly();
    },
    // After a failure, an instance's remaining launches of this cycle wait for its backoff.
    (launch) => !signal.aborted && !core.lockLost() && !failedInstances.has(launch.instance),
  );
  signal.removeEventListener('abort', onStop);
  if (forceTimer) clearTimeout(forceTimer);
  if (skipped.length > 0) {
    const drop = new Set(skipped.map((l) => records.get(l)));
    state.launches = state.launches.filter((r) => !drop.has(r));
    if (signal.aborted || core.lockLost()) result.interrupted = true;
  }
}
