import type { RunnerInstance } from './runner-instance-schema.js';
import { parseSlurmTime } from './slurm-time.js';

/** GitLab refuses a runner `maximum_timeout` under 10 minutes (app/models/ci/runner.rb validates ≥ 600 s). */
export const MIN_MAXIMUM_TIMEOUT_S = 600;

/**
 * The `maximum_timeout` (seconds) of a runner of `instance` whose jobs get these resource values (missing
 * keys take the defaults): the instance's `maximum_timeout`, and with a `time` resource the batch job's time
 * less one minute (the runner starts a little after the allocation), whichever is smaller; never under
 * GitLab's 10 minutes. Undefined when neither is set or the time is unlimited.
 */
export function runnerMaximumTimeout(
  instance: Pick<RunnerInstance, 'maximum_timeout' | 'resources'>,
  values: Readonly<Record<string, string>> = {},
): number | undefined {
  const limits: number[] = [];
  if (instance.maximum_timeout !== undefined) limits.push(Math.floor(instance.maximum_timeout / 1000));
  const time = instance.resources?.time;
  if (time) {
    const seconds = parseSlurmTime(values.time ?? time.default);
    if (seconds !== undefined && Number.isFinite(seconds)) limits.push(seconds - 60);
  }
  if (limits.length === 0) return undefined;
  return Math.max(MIN_MAXIMUM_TIMEOUT_S, Math.min(...limits));
}
