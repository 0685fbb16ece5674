import type { CycleResult } from '../cycle-result.js';
import { PendingSince } from '../pickup-times.js';
import type { MatchableJob } from '../match.js';
import type { LauncherObserver, LaunchOutcome } from '../observer.js';
import type { LaunchState } from '../state.js';
import { Registry } from './exposition.js';
import { ProjectSeries } from './project-series.js';

const P = 'gitlab_meta_runner_';

/** Where a launch in flight is, as the state records it. */
const IN_FLIGHT_STATES = ['starting', 'queued', 'running', 'submitted'] as const;
const OUTCOMES: readonly LaunchOutcome[] = ['submitted', 'failed', 'interrupted'];

/** Buckets of pending-to-launch times in seconds: 1 s to 1 h. */
export const PENDING_TO_LAUNCH_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * The launcher's Prometheus metrics: an observer of its cycles plus what the CLI reports (GitLab answers,
 * token expiry). {@link LauncherMetrics.render} gives the text exposition format.
 */
export class LauncherMetrics implements LauncherObserver {
  readonly registry = new Registry();
  readonly #instances: readonly string[];
  readonly #pendingSince = new PendingSince();
  readonly #pending = this.registry.gauge(
    `${P}pending_jobs`,
    'Pending jobs matched to each runner instance in the last cycle.',
  );
  readonly #unmatched = this.registry.gauge(
    `${P}unmatched_pending_jobs`,
    'Pending jobs that no runner instance can take, in the last cycle.',
  );
  readonly #launches = this.registry.counter(
    `${P}launches_total`,
    'Launch commands by instance and outcome (submitted, failed, interrupted at shutdown).',
  );
  readonly #inFlight = this.registry.gauge(
    `${P}runners_in_flight`,
    'Launched runners still counted as in flight, by instance and batch state (starting: launch command running; submitted: batch state unknown).',
  );
  readonly #pickup = this.registry.histogram(
    `${P}pending_to_launch_seconds`,
    'Time from a job becoming pending to the launch of a runner for it.',
    PENDING_TO_LAUNCH_BUCKETS,
  );
  readonly #requests = this.registry.counter(
    `${P}gitlab_requests_total`,
    'Requests to the GitLab API by method and HTTP status code (code="error": no answer).',
  );
  readonly #runnerExpiry = this.registry.gauge(
    `${P}runner_token_expiry_timestamp_seconds`,
    'When the runner token of each instance expires (Unix time); absent for tokens that do not expire.',
  );
  readonly #refused = this.registry.gauge(
    `${P}runner_token_refused`,
    '1 while GitLab refuses the runner token of an instance (nothing is launched for it), else 0.',
  );
  readonly #managementExpiry = this.registry.gauge(
    `${P}management_token_expiry_timestamp_seconds`,
    'When the management token expires (Unix time), as GitLab reports it.',
  );
  readonly #cycles = this.registry.counter(`${P}cycles_total`, 'Launcher cycles by outcome (ok, error).');
  readonly #lastGood = this.registry.gauge(
    `${P}last_successful_cycle_timestamp_seconds`,
    'When the last cycle that read the pending jobs and launched without error ended (Unix time).',
  );

  /** With `perProject` (a config of several projects or a group): the per-project series too. */
  readonly projects: ProjectSeries | undefined;

  constructor(instances: readonly string[], options: { perProject?: boolean } = {}) {
    this.#instances = instances;
    this.projects = options.perProject ? new ProjectSeries(this.registry, instances) : undefined;
    for (const instance of instances) {
      for (const outcome of OUTCOMES) this.#launches.inc({ instance, outcome }, 0);
      this.#pending.set({ instance }, 0);
    }
    this.#cycles.inc({ outcome: 'ok' }, 0);
    this.#cycles.inc({ outcome: 'error' }, 0);
    this.#setInFlight([]);
  }

  pendingJobs(jobs: readonly MatchableJob[], at: Date): void {
    this.#pendingSince.seen(jobs, at);
    this.projects?.pendingJobs(jobs);
  }

  launch(event: { instance: string; jobIds: readonly number[]; outcome: LaunchOutcome; at: Date }): void {
    this.#launches.inc({ instance: event.instance, outcome: event.outcome });
    this.projects?.launch(event);
    if (event.outcome !== 'submitted') return;
    for (const { seconds } of this.#pendingSince.take(event.jobIds, event.at))
      this.#pickup.observe({ instance: event.instance }, seconds);
  }

  cycle(result: CycleResult, state: Readonly<LaunchState>, at: Date): void {
    this.#cycles.inc({ outcome: 'ok' });
    for (const instance of this.#instances) this.#pending.set({ instance }, result.matched[instance] ?? 0);
    this.#unmatched.set({}, result.unmatched);
    this.projects?.cycle(result.matchedJobs);
    this.#setInFlight(state.launches);
    this.#setRefused(state);
    if (!result.interrupted) this.#lastGood.set({}, at.getTime() / 1000);
  }

  cycleError(_error: unknown, state: Readonly<LaunchState>): void {
    this.#cycles.inc({ outcome: 'error' });
    this.#setInFlight(state.launches);
    this.#setRefused(state);
  }

  /** One answer of GitLab (`status` undefined: no answer, e.g. a network error or timeout). */
  gitlabRequest(method: string, status: number | undefined): void {
    this.#requests.inc({ method, code: status === undefined ? 'error' : String(status) });
  }

  /** The expiry of an instance's runner token (undefined: it does not expire). */
  runnerTokenExpiry(instance: string, expiresAt: string | undefined): void {
    const t = expiresAt ? Date.parse(expiresAt) : Number.NaN;
    if (!Number.isNaN(t)) this.#runnerExpiry.set({ instance }, t / 1000);
  }

  managementTokenExpiry(expiresAt: string): void {
    const t = Date.parse(expiresAt);
    if (!Number.isNaN(t)) this.#managementExpiry.set({}, t / 1000);
  }

  render(): string {
    return this.registry.render();
  }

  #setInFlight(launches: LaunchState['launches']): void {
    this.#inFlight.clear();
    for (const instance of this.#instances)
      for (const state of IN_FLIGHT_STATES) this.#inFlight.set({ instance, state }, 0);
    const counts = new Map<string, number>();
    for (const l of launches) {
      const state = l.phase === 'starting' ? 'starting' : (l.batchState ?? 'submitted');
      const key = JSON.stringify([l.instance, state]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) {
      const [instance, state] = JSON.parse(key) as [string, string];
      this.#inFlight.set({ instance, state }, n);
    }
  }

  #setRefused(state: Readonly<LaunchState>): void {
    for (const instance of this.#instances)
      this.#refused.set({ instance }, Object.hasOwn(state.refusedTokens, instance) ? 1 : 0);
  }
}
