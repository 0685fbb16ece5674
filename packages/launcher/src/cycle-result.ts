import type { DryRunLaunch } from './dry-run.js';
import type { LaunchCommandError } from './errors.js';
import type { RefusedJob } from './resources.js';
import type { CycleSummary } from './state.js';

/** One failed launch, for the caller and the logs (output already redacted). */
export interface LaunchFailure {
  instance: string;
  numJobs: number;
  error: LaunchCommandError;
}

/** What one cycle saw and did. */
export interface CycleResult {
  /** Pending jobs of the project. */
  pending: number;
  /** Instance → pending jobs matched to it. */
  matched: Record<string, number>;
  /** Ids of the pending jobs matched to an instance. */
  matchedJobIds: number[];
  /** Instance (or resource set) → ids of the pending jobs matched to it. */
  matchedJobs: Record<string, number[]>;
  /** Pending jobs no instance can take. */
  unmatched: number;
  /** Of those, the jobs refused because of their resource tags, with the reason. */
  refused?: RefusedJob[];
  /** Launches in flight after the cycle. */
  inFlight: number;
  launched: number;
  /** Planned launches left for the next cycle by `[launch] max_launches_per_cycle`. */
  deferred: number;
  failed: number;
  /** Queued launches cancelled because their jobs are gone. */
  cancelled: number;
  failures: LaunchFailure[];
  /** The cycle was stopped before it launched (signal). */
  interrupted: boolean;
  /** With `dryRun`: the launches the cycle would have made (none was made). */
  dryRun?: DryRunLaunch[];
}

export function emptyCycleResult(): CycleResult {
  return {
    pending: 0,
    matched: {},
    matchedJobIds: [],
    matchedJobs: {},
    unmatched: 0,
    inFlight: 0,
    launched: 0,
    deferred: 0,
    failed: 0,
    cancelled: 0,
    failures: [],
    interrupted: false,
  };
}

/** The fields of the one `cycle` line logged per cycle: matched jobs as `instance:count,...`. */
export function cycleLogFields(result: CycleResult): Record<string, unknown> {
  const matched = Object.entries(result.matched)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name}:${n}`)
    .join(',');
  return {
    pending: result.pending,
    matched: matched || '-',
    in_flight: result.inFlight,
    launched: result.launched,
    failed: result.failed,
    unmatched: result.unmatched,
    ...(result.deferred ? { deferred: result.deferred } : {}),
    ...(result.cancelled ? { cancelled: result.cancelled } : {}),
    ...(result.interrupted ? { interrupted: true } : {}),
  };
}

/** What the state keeps of a cycle that read the pending jobs, for `status`. */
export function cycleSummary(result: CycleResult, at: Date): CycleSummary {
  return {
    at: at.toISOString(),
    pending: result.pending,
    matched: { ...result.matched },
    unmatched: result.unmatched,
  };
}
