import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerFault, faultKind, streamOversizedBody, withEndlessNextPage } from './fault-answer.js';
import {
  type ActiveFault,
  type EndpointOrUnknown,
  type FaultHandle,
  type FaultRule,
  pickFault,
} from './faults.js';
import { type Answer, BadRequest, sendJson } from './http.js';
import { paginationWithDefaults } from './job-list.js';
import {
  type JobStatus,
  randomToken,
  type SimGroup,
  type SimJob,
  type SimProject,
  type SimRole,
  type SimRunner,
  type StoredArtifact,
} from './model.js';
import type {
  GroupSpec,
  JobSpec,
  ProjectSpec,
  RunnerSpec,
  SimulatorOptions,
  WaitForOptions,
} from './options.js';
import { defaultAccessToken, type SimAccessToken } from './access-token.js';
import { dispatch, type HandlerContext } from './dispatch.js';
import { RequestLog, type RequestRecord } from './request-log.js';
import { ProjectRepos } from './project-repos.js';
import { gitEndpoints, route, runnerSideEndpoints } from './routes.js';
import { jobTokenMayClone } from './runner-jobs.js';
import { SimulatorStore } from './state.js';
import { waitForEvents } from './wait-for.js';
import { RateLimitWindow } from './rate-limit-window.js';
import { dropStuckJobs, type StuckJobLimits } from './stuck-jobs.js';
import { JobHooks, type WebhookStatus } from './job-hooks.js';
import type { SimWebhook, WebhookDelivery } from './webhooks.js';

/**
 * A GitLab REST API double on a real loopback HTTP server: projects, pending jobs with offset and keyset
 * pagination, runner registration and management, the runner side of the job queue, token checks and fault
 * injection. Start it with {@link startSimulator}.
 */
export class GitLabSimulator extends EventEmitter {
  /** `http://127.0.0.1:<port>`: use it as the GitLab URL (`hostname`). */
  readonly url: string;
  /** The accepted access token. */
  readonly token: string;
  /** What `GET /personal_access_tokens/self` says about {@link token}; tests change it in place. */
  readonly accessToken: SimAccessToken;
  readonly #server: Server;
  readonly #store: SimulatorStore;
  readonly #context: HandlerContext;
  readonly #faults: ActiveFault[] = [];
  readonly #log: RequestLog;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #rateLimit: RateLimitWindow;
  readonly #stuckLimits: StuckJobLimits;
  readonly #jobHooks: JobHooks;
  #closed = false;

  /** Use {@link startSimulator}; the constructor does not listen yet. */
  constructor(server: Server, url: string, options: SimulatorOptions) {
    super();
    this.#server = server;
    this.url = url;
    this.token = options.token ?? randomToken('glpat-');
    this.accessToken = { ...defaultAccessToken(), ...options.accessToken };
    this.#log = new RequestLog(options.requestLogLimit ?? 10_000);
    this.#store = new SimulatorStore(options.runnerTokenExpiresIn ?? null, () => {
      this.#jobHooks?.changed();
      this.emit('change');
    });
    this.#context = {
      store: this.#store,
      repos: new ProjectRepos(options.gitRoot),
      webBase: (options.externalUrl ?? url).replace(/\/+$/, ''),
      pagination: paginationWithDefaults(options.pagination),
      accessToken: this.accessToken,
    };
    for (const group of options.groups ?? []) this.addGroup(group);
    for (const project of options.projects ?? [{ id: 1, path: 'group/project' }]) this.addProject(project);
    this.#rateLimit = new RateLimitWindow(options.rateLimit);
    this.#stuckLimits = { ...options.stuckJobs };
    this.#jobHooks = new JobHooks(this.#store, this.#context.webBase, () => this.emit('change'));
    for (const hook of options.webhooks ?? []) this.#jobHooks.add(hook);
    if (this.#stuckLimits.checkEveryMs) {
      const timer = setInterval(() => this.dropStuckJobs(), this.#stuckLimits.checkEveryMs);
      timer.unref();
      this.#timers.add(timer);
    }
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** The first project (the one tests usually use). */
  get project(): SimProject {
    return { ...this.#store.firstProject() };
  }

  get projects(): SimProject[] {
    return [...this.#store.projects.values()].map((p) => ({ ...p }));
  }

  addProject(spec: ProjectSpec): SimProject {
    return { ...this.#store.addProject(spec) };
  }

  /** Adds a group or subgroup by full path; projects whose namespace is that path are in it. */
  addGroup(spec: GroupSpec): SimGroup {
    return { ...this.#store.addGroup(spec) };
  }

  get groups(): SimGroup[] {
    return [...this.#store.groups.values()].map((g) => ({ ...g }));
  }

  /** Turns "Enable group runners for this project" on or off (Settings → CI/CD → Runners). */
  setGroupRunnersEnabled(projectId: number, enabled: boolean): void {
    const project = this.#store.projects.get(projectId);
    if (!project) throw new Error(`no project ${projectId} in the simulator`);
    if (enabled) delete project.groupRunnersEnabled;
    else project.groupRunnersEnabled = false;
    this.#store.changed();
  }

  /** Changes the token user's role in a group (subgroups keep theirs) or a project. */
  setRole(target: { groupId: number } | { projectId: number }, role: SimRole): void {
    if ('groupId' in target) {
      const group = this.#store.groups.get(target.groupId);
      if (!group) throw new Error(`no group ${target.groupId} in the simulator`);
      group.role = role;
    } else this.#store.projectRoles.set(target.projectId, role);
    this.#store.changed();
  }

  /**
   * Adds pending jobs (one pipeline per call) and returns them. With `pipelineSource: 'parent_pipeline'` the
   * pipeline is a child pipeline. Each job is posted to the webhooks twice, as GitLab does: created, then
   * pending; later when a runner takes it and when it ends.
   */
  addJobs(specs: readonly JobSpec[], options: { pipelineSource?: string } = {}): SimJob[] {
    const added = this.#store.addJobs(specs, options);
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
    return this.#store.now();
  }

  /** Moves the simulator's clock (job ages, contacted_at) forward, as if `ms` had passed. */
  advanceClock(ms: number): void {
    this.#store.clockOffsetMs += ms;
    this.#store.changed();
  }

  /** Sets when a runner last contacted GitLab (null: never). */
  setRunnerContactedAt(id: number, at: Date | null): void {
    const runner = this.#store.runners.get(id);
    if (!runner) throw new Error(`no runner ${id} in the simulator`);
    runner.contactedAt = at;
    this.#store.changed();
  }

  /** Runs GitLab's drop of pending jobs now (see {@link dropStuckJobs}); returns copies of the dropped jobs. */
  dropStuckJobs(): SimJob[] {
    return dropStuckJobs(this.#store, this.#stuckLimits).map((job) => structuredClone(job));
  }

  /** Copies of the jobs, oldest first, optionally only those with a status or in a project. */
  jobs(filter: { status?: JobStatus; projectId?: number } = {}): SimJob[] {
    const list: SimJob[] = [];
    for (const job of this.#store.jobs.values()) {
      if (filter.status && job.status !== filter.status) continue;
      if (filter.projectId !== undefined && job.projectId !== filter.projectId) continue;
      list.push(structuredClone(job));
    }
    return list;
  }

  job(id: number): SimJob | undefined {
    const job = this.#store.jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }

  /**
   * Cancels a job, as a user pressing "Cancel" would: a pending job is canceled at once, a running one is
   * `canceling` until its runner has stopped it and reported back, then `canceled`.
   */
  cancelJob(id: number): void {
    this.#store.cancel(this.#store.mustJob(id));
  }

  /** Sets the files of a project's git repository (a new commit on `main`); returns the commit id. */
  setRepositoryFiles(projectId: number, files: Record<string, string>): string {
    const project = this.#store.projects.get(projectId);
    if (!project) throw new Error(`no project ${projectId} in the simulator`);
    return this.#context.repos.setFiles(project.path, files);
  }

  /** The archives a runner uploaded for a job (`POST /jobs/:id/artifacts`). */
  jobArtifacts(id: number): StoredArtifact[] {
    return this.#store.mustJob(id).uploadedArtifacts.map((a) => ({ ...a, data: Buffer.from(a.data) }));
  }

  /** Fails a pending job the way GitLab drops jobs nobody took (`stuck_or_timeout_failure`). */
  dropJob(id: number): void {
    this.#store.finish(this.#store.mustJob(id), 'failed', 'stuck_or_timeout_failure');
  }

  /** Deletes a job entirely (it disappears from every list). */
  removeJob(id: number): void {
    this.#store.jobs.delete(id);
    this.#store.changed();
  }

  /** Copies of the registered runners, oldest first. */
  runners(): SimRunner[] {
    return [...this.#store.runners.values()].map((r) => structuredClone(r));
  }

  runner(id: number): SimRunner | undefined {
    const runner = this.#store.runners.get(id);
    return runner ? structuredClone(runner) : undefined;
  }

  /** Registers a runner directly (as if created earlier through the UI) and returns it with its token. */
  addRunner(spec: RunnerSpec = {}): SimRunner {
    const isProjectRunner = spec.groupId === undefined;
    const runner = this.#store.newRunner({
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
    this.#store.changed();
    return structuredClone(runner);
  }

  /** Deletes a runner as if someone removed it in GitLab; later requests for it get 404. */
  removeRunner(id: number): boolean {
    const removed = this.#store.runners.delete(id);
    this.#store.changed();
    return removed;
  }

  /** Changes when a runner's token expires (null: never). An expired token gets 403 from the runner API. */
  setRunnerTokenExpiry(id: number, expiresAt: Date | null): void {
    const runner = this.#store.runners.get(id);
    if (!runner) throw new Error(`no runner ${id} in the simulator`);
    runner.tokenExpiresAt = expiresAt;
    this.#store.changed();
  }

  /** What a runner sent as the job's log. */
  jobTrace(id: number): string {
    return this.#store.mustJob(id).trace;
  }

  /** Requests received for one endpoint (faulted ones included), or for all endpoints. */
  requestCount(endpoint?: EndpointOrUnknown): number {
    return this.#log.count(endpoint);
  }

  /** Requests received per endpoint. */
  requestCounts(): Partial<Record<EndpointOrUnknown, number>> {
    return this.#log.counts();
  }

  /** The latest requests, oldest first (see `requestLogLimit`). */
  get requests(): readonly RequestRecord[] {
    return this.#log.records();
  }

  /** Adds a fault; see {@link FaultRule}. */
  inject(rule: FaultRule): FaultHandle {
    const fault: ActiveFault = { rule: { ...rule }, hits: 0, matched: 0, removed: false };
    this.#faults.push(fault);
    return {
      rule: fault.rule,
      get hits() {
        return fault.hits;
      },
      get matched() {
        return fault.matched;
      },
      remove: () => {
        fault.removed = true;
        this.#faults.splice(this.#faults.indexOf(fault), 1);
      },
    };
  }

  /** Removes every fault. */
  clearFaults(): void {
    for (const fault of this.#faults) fault.removed = true;
    this.#faults.length = 0;
  }

  /**
   * Resolves once `predicate()` is true, checking now and after every request, answer, held answer (a fault
   * `afterHandling`) and change of jobs or runners; rejects after `timeoutMs`.
   */
  waitFor(predicate: () => boolean, options: WaitForOptions = {}): Promise<void> {
    return waitForEvents(this, ['request', 'response', 'change', 'held'], predicate, options);
  }

  /** Stops the server, cutting open connections (hung and delayed requests included). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer); // clears intervals too
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    this.#context.repos.close();
  }

  /** @internal Handles one HTTP request. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const url = new URL(path, 'http://simulator.invalid');
    const { endpoint, params } = route(method, url.pathname);
    const record = this.#log.add(method, path, endpoint);
    const fault = pickFault(this.#faults, endpoint, path)?.rule;
    if (fault) record.fault = faultKind(fault);
    this.emit('request', record);
    const send: Answer = (status, body, headers) => {
      if (response.destroyed || response.writableEnded) return;
      sendJson(response, status, body, headers);
      record.status = status;
      record.answeredAt = Date.now();
      this.emit('response', record);
    };
    // A fault `afterHandling`: the handler does its work (creates the runner, resets the token), then the
    // answer it gives is delayed, dropped or never sent.
    const answered: Answer =
      fault?.afterHandling === true
        ? (status, body, headers) => {
            void this.#lateAnswer(fault, request, record, () => send(status, body, headers));
          }
        : send;
    const answer = fault?.endlessNextPage
      ? withEndlessNextPage(answered, url, fault.endlessNextPage)
      : answered;

    if (fault && !fault.afterHandling) {
      if (fault.delayMs) {
        await this.#delay(fault.delayMs);
        if (this.#closed) return;
      }
      if (fault.hang) return;
      if (fault.drop) {
        request.socket.destroy();
        record.answeredAt = Date.now();
        this.emit('response', record);
        return;
      }
      if (fault.oversizedBody !== undefined) {
        await streamOversizedBody(response, fault.oversizedBody);
        record.status = 200;
        record.answeredAt = Date.now();
        this.emit('response', record);
        return;
      }
      if (answerFault(fault, answer)) return;
    }

    if (gitEndpoints.has(endpoint)) {
      const [projectPath, rest] = params as [string, string];
      if (!this.#store.project(projectPath)) answer(404, { message: '404 Project Not Found' });
      else if (!jobTokenMayClone(this.#store, projectPath, request.headers.authorization)) {
        answer(401, { message: 'HTTP Basic: Access denied' }, { 'www-authenticate': 'Basic realm="GitLab"' });
      } else {
        record.status = await this.#context.repos.serve(
          projectPath,
          rest,
          request,
          response,
          url.search.slice(1),
        );
        record.answeredAt = Date.now();
        this.emit('response', record);
      }
      return;
    }
    try {
      if (!runnerSideEndpoints.has(endpoint) && !this.#authorized(request))
        answer(401, { message: '401 Unauthorized' });
      else if (runnerSideEndpoints.has(endpoint) || endpoint === 'unknown')
        await dispatch(this.#context, endpoint, params, request, url, answer);
      else {
        // Access-token API requests count against the rate limit and carry its headers.
        const rate = this.#rateLimit.count();
        const limited: Answer = (status, body, headers) =>
          answer(status, body, { ...rate.headers, ...headers });
        if (rate.over) limited(429, { message: 'Retry later' });
        else await dispatch(this.#context, endpoint, params, request, url, limited);
      }
    } catch (error) {
      if (error instanceof BadRequest) answer(400, { error: error.message });
      else answer(500, { message: '500 Internal Server Error' });
    }
  }

  async #lateAnswer(fault: FaultRule, request: IncomingMessage, record: RequestRecord, send: () => void) {
    record.heldAt = Date.now();
    this.emit('held', record);
    if (fault.delayMs) {
      await this.#delay(fault.delayMs);
      if (this.#closed) return;
    }
    if (fault.hang) return;
    if (fault.drop) {
      request.socket.destroy();
      record.answeredAt = Date.now();
      this.emit('response', record);
      return;
    }
    send();
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #authorized(request: IncomingMessage): boolean {
    const header = request.headers['private-token'];
    if (header === this.token) return true;
    const bearer = request.headers.authorization;
    return bearer === `Bearer ${this.token}`;
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
