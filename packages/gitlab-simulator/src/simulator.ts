import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobHooks, type WebhookStatus } from './job-hooks.js';
import type { JobStatus, SimGroup, SimJob, SimProject, SimRole, SimRunner, StoredArtifact } from './model.js';
import type { GroupSpec, JobSpec, ProjectSpec, RunnerSpec, SimulatorOptions } from './options.js';
import { SimulatorServer } from './simulator-server.js';
import { dropStuckJobs, type StuckJobLimits } from './stuck-jobs.js';
import type { SimWebhook, WebhookDelivery } from './webhooks.js';

/**
 * A GitLab REST API double on a real loopback HTTP server: projects, pending jobs with offset and keyset
 * pagination, runner registration and management, the runner side of the job queue, token checks and fault
 * injection. Start it with {@link startSimulator}.
 */
export class GitLabSimulator extends SimulatorServer {
  readonly #stuckLimits: StuckJobLimits;
  readonly #jobHooks: JobHooks;

  /** Use {@link startSimulator}; the constructor does not listen yet. */
  constructor(server: Server, url: string, options: SimulatorOptions) {
    super(server, url, options);
    for (const group of options.groups ?? []) this.addGroup(group);
    for (const project of options.projects ?? [{ id: 1, path: 'group/project' }]) this.addProject(project);
    this.#stuckLimits = { ...options.stuckJobs };
    this.#jobHooks = new JobHooks(this.store, this.context.webBase, () => this.emit('change'));
    for (const hook of options.webhooks ?? []) this.#jobHooks.add(hook);
    if (this.#stuckLimits.checkEveryMs)
      this.every(this.#stuckLimits.checkEveryMs, () => this.dropStuckJobs());
  }

  protected override storeChanged(): void {
    this.#jobHooks?.changed();
    super.storeChanged();
  }

  /** The first project (the one tests usually use). */
  get project(): SimProject {
    return { ...this.store.firstProject() };
  }

  get projects(): SimProject[] {
    return [...this.store.projects.values()].map((p) => ({ ...p }));
  }

  addProject(spec: ProjectSpec): SimProject {
    return { ...this.store.addProject(spec) };
  }

  /** Adds a group or subgroup by full path; projects whose namespace is that path are in it. */
  addGroup(spec: GroupSpec): SimGroup {
    return { ...this.store.addGroup(spec) };
  }

  get groups(): SimGroup[] {
    return [...this.store.groups.values()].map((g) => ({ ...g }));
  }

  /** Turns "Enable group runners for this project" on or off (Settings → CI/CD → Runners). */
  setGroupRunnersEnabled(projectId: number, enabled: boolean): void {
    const project = this.store.mustProject(projectId);
    if (enabled) delete project.groupRunnersEnabled;
    else project.groupRunnersEnabled = false;
    this.store.changed();
  }

  /** Changes the token user's role in a group (subgroups keep theirs) or a project. */
  setRole(target: { groupId: number } | { projectId: number }, role: SimRole): void {
    if ('groupId' in target) {
      const group = this.store.groups.get(target.groupId);
      if (!group) throw new Error(`no group ${target.groupId} in the simulator`);
      group.role = role;
    } else this.store.projectRoles.set(target.projectId, role);
    this.store.changed();
  }

  /**
   * Adds pending jobs (one pipeline per call) and returns them. With `pipelineSource: 'parent_pipeline'` the
   * pipeline is a child pipeline. Each job is posted to the webhooks twice, as GitLab does: created, then
   * pending; later when a runner takes it and when it ends.
   */
  addJobs(specs: readonly JobSpec[], options: { pipelineSource?: string } = {}): SimJob[] {
    const added = this.store.addJobs(specs, options);
    this.#jobHooks.jobsAdded(added);
    return added.map((job) => structuredClone(job));
  }

  /** Adds a project webhook with Job events (GitLab: Settings > Webhooks). */
  addWebhook(hook: SimWebhook): void {
    this.#jobHooks.add(hook);
  }

  /**
   * Job hooks sent so far, in the order their answers came (or they failed), and those GitLab did not send
   * because it had disabled the hook after failures (`skipped`).
   */
  get webhookDeliveries(): readonly WebhookDelivery[] {
    return this.#jobHooks.deliveries;
  }

  /** The webhooks and whether GitLab still calls them (see webhook-health.ts). */
  get webhooks(): WebhookStatus[] {
    return this.#jobHooks.status();
  }

  /** The simulator's clock: real time moved by {@link advanceClock}. */
  now(): Date {
    return this.store.now();
  }

  /** Moves the simulator's clock (job ages, contacted_at) forward, as if `ms` had passed. */
  advanceClock(ms: number): void {
    this.store.clockOffsetMs += ms;
    this.store.changed();
  }

  /** Sets when a runner last contacted GitLab (null: never). */
  setRunnerContactedAt(id: number, at: Date | null): void {
    this.store.mustRunner(id).contactedAt = at;
    this.store.changed();
  }

  /** Runs GitLab's drop of pending jobs now (see {@link dropStuckJobs}); returns copies of the dropped jobs. */
  dropStuckJobs(): SimJob[] {
    return dropStuckJobs(this.store, this.#stuckLimits).map((job) => structuredClone(job));
  }

  /** Copies of the jobs, oldest first, optionally only those with a status or in a project. */
  jobs(filter: { status?: JobStatus; projectId?: number } = {}): SimJob[] {
    const list: SimJob[] = [];
    for (const job of this.store.jobs.values()) {
      if (filter.status && job.status !== filter.status) continue;
      if (filter.projectId !== undefined && job.projectId !== filter.projectId) continue;
      list.push(structuredClone(job));
    }
    return list;
  }

  job(id: number): SimJob | undefined {
    const job = this.store.jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }

  /**
   * Cancels a job, as a user pressing "Cancel" would: a pending job is canceled at once, a running one is
   * `canceling` until its runner has stopped it and reported back, then `canceled`.
   */
  cancelJob(id: number): void {
    this.store.cancel(this.store.mustJob(id));
  }

  /** Sets the files of a project's git repository (a new commit on `main`); returns the commit id. */
  setRepositoryFiles(projectId: number, files: Record<string, string>): string {
    const project = this.store.mustProject(projectId);
    return this.context.repos.setFiles(project.path, files);
  }

  /** The archives a runner uploaded for a job (`POST /jobs/:id/artifacts`). */
  jobArtifacts(id: number): StoredArtifact[] {
    return this.store.mustJob(id).uploadedArtifacts.map((a) => ({ ...a, data: Buffer.from(a.data) }));
  }

  /** Fails a pending job the way GitLab drops jobs nobody took (`stuck_or_timeout_failure`). */
  dropJob(id: number): void {
    this.store.finish(this.store.mustJob(id), 'failed', 'stuck_or_timeout_failure');
  }

  /** Deletes a job entirely (it disappears from every list). */
  removeJob(id: number): void {
    this.store.jobs.delete(id);
    this.store.changed();
  }

  /** Copies of the registered runners, oldest first. */
  runners(): SimRunner[] {
    return [...this.store.runners.values()].map((r) => structuredClone(r));
  }

  runner(id: number): SimRunner | undefined {
    const runner = this.store.runners.get(id);
    return runner ? structuredClone(runner) : undefined;
  }

  /** Registers a runner directly (as if created earlier through the UI) and returns it with its token. */
  addRunner(spec: RunnerSpec = {}): SimRunner {
    const isProjectRunner = spec.groupId === undefined;
    const runner = this.store.newRunner({
      runnerType: isProjectRunner ? 'project_type' : 'group_type',
      projectId: isProjectRunner ? (spec.projectId ?? this.project.id) : 0,
      enabledProjectIds: [...(spec.enabledProjectIds ?? [])],
      groupId: spec.groupId ?? null,
      description: spec.description ?? '',
      tags: [...(spec.tags ?? [])],
      runUntagged: spec.runUntagged ?? false,
      locked: spec.locked ?? true,
      paused: spec.paused ?? false,
      accessLevel: 'not_protected',
      maximumTimeout: null,
    });
    if (spec.token) runner.token = spec.token;
    if (spec.tokenExpiresAt !== undefined) runner.tokenExpiresAt = spec.tokenExpiresAt;
    this.store.changed();
    return structuredClone(runner);
  }

  /** Deletes a runner as if someone removed it in GitLab; later requests for it get 404. */
  removeRunner(id: number): boolean {
    const removed = this.store.runners.delete(id);
    this.store.changed();
    return removed;
  }

  /** Changes when a runner's token expires (null: never). An expired token gets 403 from the runner API. */
  setRunnerTokenExpiry(id: number, expiresAt: Date | null): void {
    this.store.mustRunner(id).tokenExpiresAt = expiresAt;
    this.store.changed();
  }

  /** What a runner sent as the job's log. */
  jobTrace(id: number): string {
    return this.store.mustJob(id).trace;
  }
}

/** Starts a simulator on 127.0.0.1 (a random free port unless `port` is given). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<GitLabSimulator> {
  const host = options.host ?? '127.0.0.1';
  let simulator: GitLabSimulator | undefined;
  const server = createServer((request, response) => {
    void simulator?.handle(request, response);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  simulator = new GitLabSimulator(server, `http://${hostInUrl}:${port}`, options);
  return simulator;
}
