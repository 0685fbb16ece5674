import {
  type JobStatus,
  randomSha,
  randomToken,
  type SimGroup,
  type SimJob,
  type SimProject,
  type SimRole,
  type SimRunner,
} from './model.js';
import { newJob } from './new-job.js';
import type { JobSpec } from './options.js';

/** The fields a new runner is created with; the store fills in id, token and times. */
export type NewRunnerFields = Omit<
  SimRunner,
  'id' | 'token' | 'tokenObtainedAt' | 'tokenExpiresAt' | 'createdAt' | 'contactedAt' | 'systemId'
>;

/**
 * What the simulator knows: projects, jobs and runners, the ids it hands out next, and a version that
 * moves on every change (so cached lists and waiters notice). The request handlers and the public API
 * both work on one store.
 */
export class SimulatorStore {
  readonly projects = new Map<number, SimProject>();
  readonly groups = new Map<number, SimGroup>();
  /** Roles given to single projects; the others inherit their group's (or are maintainer). */
  readonly projectRoles = new Map<number, SimRole>();
  readonly jobs = new Map<number, SimJob>();
  readonly runners = new Map<number, SimRunner>();
  readonly #tokenLifetime: number | null;
  readonly #onChange: () => void;
  readonly #listCache = new Map<string, { version: number; list: SimJob[] }>();
  /** The simulator's clock (real time plus {@link advanceClock}): contacted_at and the stuck-job drop use it. */
  clockOffsetMs = 0;
  #version = 0;
  #nextJobId = 1001;
  #nextPipelineId = 501;
  #nextRunnerId = 101;
  #nextGroupId = 1001;

  constructor(tokenLifetime: number | null, onChange: () => void) {
    this.#tokenLifetime = tokenLifetime;
    this.#onChange = onChange;
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  /** Records that something changed and tells the listener. */
  changed(): void {
    this.#version++;
    this.#onChange();
  }

  addProject(spec: { id?: number; path: string; role?: SimRole; groupRunnersEnabled?: boolean }): SimProject {
    const id = spec.id ?? Math.max(0, ...this.projects.keys()) + 1;
    const project: SimProject = { id, path: spec.path };
    if (spec.groupRunnersEnabled === false) project.groupRunnersEnabled = false;
    this.projects.set(id, project);
    if (spec.role) this.projectRoles.set(id, spec.role);
    this.changed();
    return project;
  }

  /** Adds a group (`a/b` is a subgroup of `a`); its role defaults to its parent's, else owner. */
  addGroup(spec: { id?: number; path: string; role?: SimRole }): SimGroup {
    const id = spec.id ?? this.#nextGroupId++;
    const parent = this.group(spec.path.split('/').slice(0, -1).join('/'));
    const group: SimGroup = { id, path: spec.path, role: spec.role ?? parent?.role ?? 'owner' };
    this.groups.set(id, group);
    this.changed();
    return group;
  }

  /** A group by numeric id or full path. */
  group(idOrPath: string): SimGroup | undefined {
    if (idOrPath === '') return undefined;
    if (/^\d+$/.test(idOrPath)) return this.groups.get(Number(idOrPath));
    for (const group of this.groups.values()) if (group.path === idOrPath) return group;
    return undefined;
  }

  /** A project the token user can see (a role other than `none`), by id or path. */
  visibleProject(idOrPath: string): SimProject | undefined {
    const project = this.project(idOrPath);
    return project && this.projectRole(project) !== 'none' ? project : undefined;
  }

  /** A group the token user can see, by id or full path. */
  visibleGroup(idOrPath: string): SimGroup | undefined {
    const group = this.group(idOrPath);
    return group && group.role !== 'none' ? group : undefined;
  }

  /** The group a project is in (its namespace), if the simulator has it. */
  groupOf(project: SimProject): SimGroup | undefined {
    return this.group(project.path.split('/').slice(0, -1).join('/'));
  }

  /** A group's projects, oldest first; with `includeSubgroups` those of its subgroups at any depth too. */
  projectsOf(group: SimGroup, includeSubgroups: boolean): SimProject[] {
    const list: SimProject[] = [];
    for (const project of this.projects.values()) {
      const namespace = project.path.split('/').slice(0, -1).join('/');
      if (namespace === group.path || (includeSubgroups && namespace.startsWith(`${group.path}/`)))
        list.push(project);
    }
    return list;
  }

  /** A group and its ancestors, nearest first. */
  ancestry(group: SimGroup): SimGroup[] {
    const chain: SimGroup[] = [];
    for (let g: SimGroup | undefined = group; g; g = this.group(g.path.split('/').slice(0, -1).join('/')))
      chain.push(g);
    return chain;
  }

  /** The token user's role in a project: its own, else its group's, else maintainer. */
  projectRole(project: SimProject): SimRole {
    return this.projectRoles.get(project.id) ?? this.groupOf(project)?.role ?? 'maintainer';
  }

  /**
   * The projects whose jobs a runner may take: a project runner's owner and the projects it is enabled in;
   * a group runner's group's projects and those of its subgroups (Ci::Queue::BuildQueueService
   * `builds_for_group_runner` takes the group's `base_and_descendants`, app/services/ci/queue/build_queue_service.rb at gitlabhq commit 0653e08efd).
   */
  runnerProjects(runner: SimRunner): Set<number> {
    if (runner.runnerType === 'project_type') return new Set([runner.projectId, ...runner.enabledProjectIds]);
    const group = runner.groupId === null ? undefined : this.groups.get(runner.groupId);
    return new Set(
      group
        ? this.projectsOf(group, true)
            .filter((p) => p.groupRunnersEnabled !== false)
            .map((p) => p.id)
        : [],
    );
  }

  /** A project by numeric id or by its path (`group/project`). */
  project(idOrPath: string): SimProject | undefined {
    if (/^\d+$/.test(idOrPath)) return this.projects.get(Number(idOrPath));
    for (const project of this.projects.values()) if (project.path === idOrPath) return project;
    return undefined;
  }

  firstProject(): SimProject {
    return this.projects.values().next().value!;
  }

  /** Adds pending jobs, all in one new pipeline (a child pipeline with `pipelineSource: 'parent_pipeline'`). */
  addJobs(specs: readonly JobSpec[], options: { pipelineSource?: string } = {}): SimJob[] {
    const pipelineId = this.#nextPipelineId++;
    const sha = randomSha();
    const added: SimJob[] = [];
    for (const spec of specs) {
      const projectId = spec.projectId ?? this.firstProject().id;
      if (!this.projects.has(projectId)) throw new Error(`no project ${projectId} in the simulator`);
      const id = this.#nextJobId++;
      const job = newJob(spec, { id, projectId, pipelineId, sha, pipelineSource: options.pipelineSource });
      this.jobs.set(job.id, job);
      added.push(job);
    }
    this.changed();
    return added;
  }

  mustJob(id: number): SimJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id} in the simulator`);
    return job;
  }

  mustRunner(id: number): SimRunner {
    const runner = this.runners.get(id);
    if (!runner) throw new Error(`no runner ${id} in the simulator`);
    return runner;
  }

  mustProject(id: number): SimProject {
    const project = this.projects.get(id);
    if (!project) throw new Error(`no project ${id} in the simulator`);
    return project;
  }

  /** Ends a pending, running or canceling job; a finished one stays as it is. */
  finish(job: SimJob, status: JobStatus, failureReason: string | null): void {
    if (job.status !== 'pending' && job.status !== 'running' && job.status !== 'canceling') return;
    job.status = status;
    job.finishedAt = new Date();
    job.failureReason = failureReason;
    this.changed();
  }

  /**
   * Cancels a job as a user would: a pending one ends at once; a running one becomes `canceling` until
   * its runner reports the end (GitLab's Ci::Build cancel, seen by the runner as `Job-Status: canceling`).
   */
  cancel(job: SimJob): void {
    if (job.status === 'running') {
      job.status = 'canceling';
      this.changed();
    } else this.finish(job, 'canceled', null);
  }

  /** A project's jobs with one of the statuses (all when none), newest first; cached until something changes. */
  jobList(projectId: number, scopes: readonly string[]): SimJob[] {
    const key = `${projectId} ${[...scopes].sort().join(',')}`;
    const cached = this.#listCache.get(key);
    if (cached && cached.version === this.#version) return cached.list;
    const list: SimJob[] = [];
    for (const job of this.jobs.values()) {
      if (job.projectId === projectId && (scopes.length === 0 || scopes.includes(job.status))) list.push(job);
    }
    list.reverse();
    if (this.#listCache.size > 100) this.#listCache.clear();
    this.#listCache.set(key, { version: this.#version, list });
    return list;
  }

  /** Creates a runner with a fresh token (expiring after the configured lifetime, if any). */
  newRunner(fields: NewRunnerFields): SimRunner {
    const now = new Date();
    const runner: SimRunner = {
      id: this.#nextRunnerId++,
      ...fields,
      token: randomToken('glrt-'),
      tokenObtainedAt: now,
      tokenExpiresAt: this.tokenExpiry(now),
      createdAt: now,
      contactedAt: null,
      systemId: null,
    };
    this.runners.set(runner.id, runner);
    return runner;
  }

  /** When a token obtained at `now` expires (null: never). */
  tokenExpiry(now: Date): Date | null {
    return this.#tokenLifetime === null ? null : new Date(now.getTime() + this.#tokenLifetime * 1000);
  }

  /** The runner a token belongs to, unless the token has expired. */
  runnerByToken(token: unknown): SimRunner | undefined {
    if (typeof token !== 'string' || token === '') return undefined;
    for (const runner of this.runners.values()) {
      if (runner.token !== token) continue;
      if (runner.tokenExpiresAt && runner.tokenExpiresAt.getTime() <= Date.now()) return undefined;
      return runner;
    }
    return undefined;
  }
}
