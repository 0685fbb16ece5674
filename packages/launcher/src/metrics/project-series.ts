import type { MatchableJob } from '../match.js';
import type { LaunchOutcome } from '../observer.js';
import type { Registry } from './exposition.js';

const P = 'gitlab_meta_runner_';

/** A project keeps its series while it had pending jobs in one of this many of the last cycles. */
export const ACTIVE_CYCLES = 10;
/** At most this many projects have series of their own; the figures of the others go to {@link OTHER_PROJECTS}. */
export const MAX_PROJECTS = 100;
/** The `project` label of the figures of active projects beyond {@link MAX_PROJECTS}. */
export const OTHER_PROJECTS = '(other)';

interface Seen {
  cycle: number;
  pending: number;
}

/**
 * The per-project series of a launcher that covers several projects or a group, beside the per-instance
 * totals (which stay as they are): pending jobs per project and instance, pending jobs no instance can take
 * per project, and launch commands per project. Bounded for large groups: only projects with pending jobs in
 * the last {@link ACTIVE_CYCLES} cycles have series, at most {@link MAX_PROJECTS} of them (the most recently
 * active); the rest are summed under `project="(other)"`, so a sum over `project` gives the total.
 */
export class ProjectSeries {
  readonly #instances: readonly string[];
  #cycle = 0;
  readonly #seen = new Map<string, Seen>();
  #tracked = new Set<string>();
  /** Job id → project path, of the pending jobs of the current cycle. */
  #projectOf = new Map<number, string>();
  readonly #pending;
  readonly #unmatched;
  readonly #launches;

  constructor(registry: Registry, instances: readonly string[]) {
    this.#instances = instances;
    this.#pending = registry.gauge(
      `${P}project_pending_jobs`,
      'Pending jobs of each recently active project matched to each runner instance in the last cycle.',
    );
    this.#unmatched = registry.gauge(
      `${P}project_unmatched_pending_jobs`,
      'Pending jobs of each recently active project that no runner instance can take, in the last cycle.',
    );
    this.#launches = registry.counter(
      `${P}project_launches_total`,
      'Launch commands by project (each launch once per project it covered), instance and outcome.',
    );
  }

  /** The projects that have series of their own now. */
  get tracked(): ReadonlySet<string> {
    return this.#tracked;
  }

  /** A cycle's pending jobs: which projects are active, and so which have series. */
  pendingJobs(jobs: readonly MatchableJob[]): void {
    this.#cycle++;
    this.#projectOf = new Map();
    const counts = new Map<string, number>();
    for (const job of jobs) {
      if (!job.project) continue;
      this.#projectOf.set(job.id, job.project);
      counts.set(job.project, (counts.get(job.project) ?? 0) + 1);
    }
    for (const [project, pending] of counts) this.#seen.set(project, { cycle: this.#cycle, pending });
    for (const [project, seen] of this.#seen)
      if (this.#cycle - seen.cycle >= ACTIVE_CYCLES) this.#seen.delete(project);
    const ranked = [...this.#seen].sort(
      ([a, x], [b, y]) => y.cycle - x.cycle || y.pending - x.pending || (a < b ? -1 : a > b ? 1 : 0),
    );
    this.#tracked = new Set(ranked.slice(0, MAX_PROJECTS).map(([project]) => project));
    this.#launches.remove(
      (labels) => labels.project !== OTHER_PROJECTS && !this.#tracked.has(labels.project ?? ''),
    );
  }

  launch(event: { instance: string; jobIds: readonly number[]; outcome: LaunchOutcome }): void {
    const labels = new Set<string>();
    for (const id of event.jobIds) {
      const project = this.#projectOf.get(id);
      if (project !== undefined) labels.add(this.#label(project));
    }
    for (const project of labels)
      this.#launches.inc({ project, instance: event.instance, outcome: event.outcome });
  }

  /** The matched jobs of the cycle (instance → job ids): the gauges of the active projects. */
  cycle(matchedJobs: Readonly<Record<string, readonly number[]>>): void {
    this.#pending.clear();
    this.#unmatched.clear();
    const others = [...this.#seen.keys()].some((p) => !this.#tracked.has(p));
    const labels = [...this.#tracked, ...(others ? [OTHER_PROJECTS] : [])];
    for (const project of labels) {
      this.#unmatched.set({ project }, 0);
      for (const instance of this.#instances) this.#pending.set({ project, instance }, 0);
    }
    for (const instance of this.#instances)
      for (const id of matchedJobs[instance] ?? []) {
        const project = this.#projectOf.get(id);
        if (project === undefined) continue;
        const series = { project: this.#label(project), instance };
        this.#pending.set(series, (this.#pending.get(series) ?? 0) + 1);
      }
    // Matched to an instance or to one of its resource sets: not unmatched (as the total counts them).
    const matched = new Set(Object.values(matchedJobs).flat());
    for (const [id, project] of this.#projectOf) {
      if (matched.has(id)) continue;
      const series = { project: this.#label(project) };
      this.#unmatched.set(series, (this.#unmatched.get(series) ?? 0) + 1);
    }
  }

  #label(project: string): string {
    return this.#tracked.has(project) ? project : OTHER_PROJECTS;
  }
}
