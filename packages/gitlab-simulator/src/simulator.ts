import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type ActiveFault,
  type Endpoint,
  type EndpointOrUnknown,
  type FaultHandle,
  type FaultRule,
  pickFault,
} from './faults.js';
import { BadRequest, booleanParam, listParam, readBody, sendJson, stringParam } from './http.js';
import {
  type JobStatus,
  randomSha,
  randomToken,
  runnerCanTake,
  type SimJob,
  type SimProject,
  type SimRunner,
} from './model.js';
import { jobPayload, projectPayload, runnerJobPayload, runnerPayload } from './payloads.js';

export interface PaginationOptions {
  /** Serve this many items per page whatever `per_page` says (a server that ignores it). */
  forcePerPage?: number;
  /** Page size when the request names none. Default 20, like GitLab. */
  defaultPerPage?: number;
  /** Honour `pagination=keyset` on the jobs list. Default true; false answers with offset pages instead. */
  keyset?: boolean;
  /** Send `Link` headers with offset pages. Default true; false leaves only `x-next-page` to follow. */
  links?: boolean;
}

export interface SimulatorOptions {
  /** The access token accepted as `PRIVATE-TOKEN` (or `Authorization: Bearer`). Default: a random `glpat-...`. */
  token?: string;
  /** Projects that exist. Default one project, id 1, `group/project`. */
  projects?: ReadonlyArray<{ id?: number; path: string }>;
  /** Address to listen on. Default 127.0.0.1, a random free port. */
  host?: string;
  port?: number;
  pagination?: PaginationOptions;
  /** Lifetime of runner tokens in seconds (sets `token_expires_at`). Default: tokens never expire (null). */
  runnerTokenExpiresIn?: number | null;
  /** The URL GitLab says it has (web_url, Link headers). Default: the simulator's own URL. */
  externalUrl?: string;
  /** How many requests `requests` keeps (oldest dropped first). Default 10,000. */
  requestLogLimit?: number;
}

/** A job to add: everything but the tags has a default. */
export interface JobSpec {
  tags?: readonly string[];
  name?: string;
  stage?: string;
  projectId?: number;
  /** The job's `image:`; default none (null). */
  image?: string | null;
  script?: readonly string[];
  variables?: Record<string, string>;
  ref?: string;
  createdAt?: Date;
}

/** A runner registered as if someone had done it before (through the UI or another tool). */
export interface RunnerSpec {
  projectId?: number;
  description?: string;
  tags?: readonly string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  token?: string;
  tokenExpiresAt?: Date | null;
}

/** One request the simulator received. */
export interface RequestRecord {
  seq: number;
  method: string;
  /** Path below the origin, query included. */
  path: string;
  endpoint: EndpointOrUnknown;
  /** The answer's status; 0 while in progress, or for a dropped or unanswered request. */
  status: number;
  /** What a fault did to it, if one applied. */
  fault?: 'status' | 'rate-limit' | 'delay' | 'drop' | 'hang';
  receivedAt: number;
  answeredAt?: number;
}

export interface WaitForOptions {
  /** Give up after this long. Default 10,000 ms. */
  timeoutMs?: number;
  /** Named in the error when it times out. */
  description?: string;
}

interface Route {
  endpoint: EndpointOrUnknown;
  params: string[];
}

const apiPrefix = '/api/v4';
const statusMessages: Record<number, string> = {
  400: '400 Bad request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  409: '409 Conflict',
  429: 'Retry later',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

function route(method: string, pathname: string): Route {
  if (!pathname.startsWith(`${apiPrefix}/`)) return { endpoint: 'unknown', params: [] };
  let parts: string[];
  try {
    parts = pathname
      .slice(apiPrefix.length + 1)
      .split('/')
      .map(decodeURIComponent);
  } catch {
    return { endpoint: 'unknown', params: [] };
  }
  const [a, b, c, d] = parts;
  const n = parts.length;
  const key = `${method} ${a}`;
  if (key === 'GET projects' && n === 2) return { endpoint: 'GET /projects/:id', params: [b!] };
  if (key === 'GET projects' && n === 3 && c === 'jobs')
    return { endpoint: 'GET /projects/:id/jobs', params: [b!] };
  if (key === 'GET projects' && n === 4 && c === 'jobs') {
    return { endpoint: 'GET /projects/:id/jobs/:job_id', params: [b!, d!] };
  }
  if (key === 'POST user' && n === 2 && b === 'runners')
    return { endpoint: 'POST /user/runners', params: [] };
  if (key === 'POST runners' && n === 2 && b === 'verify')
    return { endpoint: 'POST /runners/verify', params: [] };
  if (a === 'runners' && n === 2 && method === 'GET') return { endpoint: 'GET /runners/:id', params: [b!] };
  if (a === 'runners' && n === 2 && method === 'PUT') return { endpoint: 'PUT /runners/:id', params: [b!] };
  if (a === 'runners' && n === 2 && method === 'DELETE')
    return { endpoint: 'DELETE /runners/:id', params: [b!] };
  if (key === 'POST runners' && n === 3 && c === 'reset_authentication_token') {
    return { endpoint: 'POST /runners/:id/reset_authentication_token', params: [b!] };
  }
  if (key === 'POST jobs' && n === 2 && b === 'request')
    return { endpoint: 'POST /jobs/request', params: [] };
  if (key === 'PUT jobs' && n === 2) return { endpoint: 'PUT /jobs/:id', params: [b!] };
  if (key === 'PATCH jobs' && n === 3 && c === 'trace')
    return { endpoint: 'PATCH /jobs/:id/trace', params: [b!] };
  return { endpoint: 'unknown', params: [] };
}

function faultKind(rule: FaultRule): NonNullable<RequestRecord['fault']> {
  if (rule.hang) return 'hang';
  if (rule.drop) return 'drop';
  if (rule.rateLimit) return 'rate-limit';
  if (rule.status !== undefined) return 'status';
  return 'delay';
}

function positiveInt(text: string | null | undefined): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

const jobScopes: ReadonlySet<string> = new Set([
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
]);

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
  readonly #server: Server;
  readonly #externalUrl: string;
  readonly #pagination: Required<Omit<PaginationOptions, 'forcePerPage'>> & {
    forcePerPage: number | undefined;
  };
  readonly #tokenLifetime: number | null;
  readonly #logLimit: number;
  readonly #projects = new Map<number, SimProject>();
  readonly #jobs = new Map<number, SimJob>();
  readonly #runners = new Map<number, SimRunner>();
  readonly #faults: ActiveFault[] = [];
  readonly #counts = new Map<EndpointOrUnknown, number>();
  readonly #requests: RequestRecord[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #listCache = new Map<string, { version: number; list: SimJob[] }>();
  #version = 0;
  #seq = 0;
  #nextJobId = 1001;
  #nextPipelineId = 501;
  #nextRunnerId = 101;
  #closed = false;

  /** Use {@link startSimulator}; the constructor does not listen yet. */
  constructor(server: Server, url: string, options: SimulatorOptions) {
    super();
    this.#server = server;
    this.url = url;
    this.token = options.token ?? randomToken('glpat-');
    this.#externalUrl = (options.externalUrl ?? url).replace(/\/+$/, '');
    this.#pagination = {
      forcePerPage: options.pagination?.forcePerPage,
      defaultPerPage: options.pagination?.defaultPerPage ?? 20,
      keyset: options.pagination?.keyset ?? true,
      links: options.pagination?.links ?? true,
    };
    this.#tokenLifetime = options.runnerTokenExpiresIn ?? null;
    this.#logLimit = options.requestLogLimit ?? 10_000;
    for (const project of options.projects ?? [{ id: 1, path: 'group/project' }]) this.addProject(project);
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** The first project (the one tests usually use). */
  get project(): SimProject {
    return { ...this.#projects.values().next().value! };
  }

  get projects(): SimProject[] {
    return [...this.#projects.values()].map((p) => ({ ...p }));
  }

  addProject(spec: { id?: number; path: string }): SimProject {
    const id = spec.id ?? Math.max(0, ...this.#projects.keys()) + 1;
    const project = { id, path: spec.path };
    this.#projects.set(id, project);
    return { ...project };
  }

  /** Adds pending jobs (one pipeline per call) and returns them. */
  addJobs(specs: readonly JobSpec[]): SimJob[] {
    const pipelineId = this.#nextPipelineId++;
    const sha = randomSha();
    const added: SimJob[] = [];
    for (const spec of specs) {
      const projectId = spec.projectId ?? this.project.id;
      if (!this.#projects.has(projectId)) throw new Error(`no project ${projectId} in the simulator`);
      const job: SimJob = {
        id: this.#nextJobId++,
        projectId,
        pipelineId,
        name: spec.name ?? `job-${this.#nextJobId - 1}`,
        stage: spec.stage ?? 'test',
        tags: [...(spec.tags ?? [])],
        status: 'pending',
        image: spec.image ?? null,
        script: [...(spec.script ?? ['echo "hello from the simulator"'])],
        variables: { ...spec.variables },
        ref: spec.ref ?? 'main',
        sha,
        createdAt: spec.createdAt ?? new Date(),
        startedAt: null,
        finishedAt: null,
        runnerId: null,
        token: null,
        trace: '',
        failureReason: null,
      };
      this.#jobs.set(job.id, job);
      added.push(structuredClone(job));
    }
    this.#changed();
    return added;
  }

  /** Copies of the jobs, oldest first, optionally only those with a status or in a project. */
  jobs(filter: { status?: JobStatus; projectId?: number } = {}): SimJob[] {
    const list: SimJob[] = [];
    for (const job of this.#jobs.values()) {
      if (filter.status && job.status !== filter.status) continue;
      if (filter.projectId !== undefined && job.projectId !== filter.projectId) continue;
      list.push(structuredClone(job));
    }
    return list;
  }

  job(id: number): SimJob | undefined {
    const job = this.#jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }

  /** Cancels a pending or running job, as a user pressing "Cancel" would. */
  cancelJob(id: number): void {
    this.#finish(this.#mustJob(id), 'canceled', null);
  }

  /** Fails a pending job the way GitLab drops jobs nobody took (`stuck_or_timeout_failure`). */
  dropJob(id: number): void {
    this.#finish(this.#mustJob(id), 'failed', 'stuck_or_timeout_failure');
  }

  /** Deletes a job entirely (it disappears from every list). */
  removeJob(id: number): void {
    this.#jobs.delete(id);
    this.#changed();
  }

  /** Copies of the registered runners, oldest first. */
  runners(): SimRunner[] {
    return [...this.#runners.values()].map((r) => structuredClone(r));
  }

  runner(id: number): SimRunner | undefined {
    const runner = this.#runners.get(id);
    return runner ? structuredClone(runner) : undefined;
  }

  /** Registers a runner directly (as if created earlier through the UI) and returns it with its token. */
  addRunner(spec: RunnerSpec = {}): SimRunner {
    const runner = this.#newRunner({
      projectId: spec.projectId ?? this.project.id,
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
    this.#changed();
    return structuredClone(runner);
  }

  /** Deletes a runner as if someone removed it in GitLab; later requests for it get 404. */
  removeRunner(id: number): boolean {
    const removed = this.#runners.delete(id);
    this.#changed();
    return removed;
  }

  /** Changes when a runner's token expires (null: never). An expired token gets 403 from the runner API. */
  setRunnerTokenExpiry(id: number, expiresAt: Date | null): void {
    const runner = this.#runners.get(id);
    if (!runner) throw new Error(`no runner ${id} in the simulator`);
    runner.tokenExpiresAt = expiresAt;
    this.#changed();
  }

  /** What a runner sent as the job's log. */
  jobTrace(id: number): string {
    return this.#mustJob(id).trace;
  }

  /** Requests received for one endpoint (faulted ones included), or for all endpoints. */
  requestCount(endpoint?: EndpointOrUnknown): number {
    if (endpoint) return this.#counts.get(endpoint) ?? 0;
    let total = 0;
    for (const count of this.#counts.values()) total += count;
    return total;
  }

  /** Requests received per endpoint. */
  requestCounts(): Partial<Record<EndpointOrUnknown, number>> {
    return Object.fromEntries(this.#counts);
  }

  /** The latest requests, oldest first (see `requestLogLimit`). */
  get requests(): readonly RequestRecord[] {
    return this.#requests.map((r) => ({ ...r }));
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
   * Resolves once `predicate()` is true, checking now and after every request, answer and change of jobs
   * or runners; rejects after `timeoutMs`.
   */
  waitFor(predicate: () => boolean, options: WaitForOptions = {}): Promise<void> {
    if (predicate()) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${options.description ?? 'a condition'}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        for (const event of ['request', 'response', 'change']) this.off(event, check);
      };
      for (const event of ['request', 'response', 'change']) this.on(event, check);
    });
  }

  /** Stops the server, cutting open connections (hung and delayed requests included). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** @internal Handles one HTTP request. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const url = new URL(path, 'http://simulator.invalid');
    const { endpoint, params } = route(method, url.pathname);
    const record: RequestRecord = {
      seq: ++this.#seq,
      method,
      path,
      endpoint,
      status: 0,
      receivedAt: Date.now(),
    };
    this.#counts.set(endpoint, (this.#counts.get(endpoint) ?? 0) + 1);
    this.#requests.push(record);
    if (this.#requests.length > this.#logLimit)
      this.#requests.splice(0, this.#requests.length - this.#logLimit);
    const fault = pickFault(this.#faults, endpoint, path)?.rule;
    if (fault) record.fault = faultKind(fault);
    this.emit('request', record);
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      if (response.destroyed || response.writableEnded) return;
      sendJson(response, status, body, headers);
      record.status = status;
      record.answeredAt = Date.now();
      this.emit('response', record);
    };

    if (fault) {
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
      if (fault.rateLimit) {
        const headers: Record<string, string> = { ...fault.headers };
        const limit = fault.rateLimit === true ? {} : fault.rateLimit;
        if (limit.retryAfter !== undefined) headers['retry-after'] = String(limit.retryAfter);
        if (limit.rateLimitReset !== undefined) {
          headers['ratelimit-reset'] = String(Math.ceil(Date.now() / 1000 + limit.rateLimitReset));
          headers['ratelimit-limit'] = '2000';
          headers['ratelimit-remaining'] = '0';
          headers['ratelimit-observed'] = '2000';
          headers['ratelimit-resettime'] = new Date(Date.now() + limit.rateLimitReset * 1000).toUTCString();
        }
        answer(429, fault.body ?? 'Retry later', headers);
        return;
      }
      if (fault.status !== undefined) {
        const body = fault.body ?? { message: statusMessages[fault.status] ?? `${fault.status}` };
        answer(fault.status, body, fault.headers);
        return;
      }
    }

    try {
      await this.#dispatch(endpoint, params, request, url, answer);
    } catch (error) {
      if (error instanceof BadRequest) answer(400, { error: error.message });
      else answer(500, { message: '500 Internal Server Error' });
    }
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

  #changed(): void {
    this.#version++;
    this.emit('change');
  }

  #mustJob(id: number): SimJob {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job ${id} in the simulator`);
    return job;
  }

  #finish(job: SimJob, status: JobStatus, failureReason: string | null): void {
    if (job.status !== 'pending' && job.status !== 'running') return;
    job.status = status;
    job.finishedAt = new Date();
    job.failureReason = failureReason;
    this.#changed();
  }

  #newRunner(
    fields: Omit<
      SimRunner,
      'id' | 'token' | 'tokenObtainedAt' | 'tokenExpiresAt' | 'createdAt' | 'contactedAt' | 'systemId'
    >,
  ): SimRunner {
    const now = new Date();
    const runner: SimRunner = {
      id: this.#nextRunnerId++,
      ...fields,
      token: randomToken('glrt-'),
      tokenObtainedAt: now,
      tokenExpiresAt:
        this.#tokenLifetime === null ? null : new Date(now.getTime() + this.#tokenLifetime * 1000),
      createdAt: now,
      contactedAt: null,
      systemId: null,
    };
    this.#runners.set(runner.id, runner);
    return runner;
  }

  #authorized(request: IncomingMessage): boolean {
    const header = request.headers['private-token'];
    if (header === this.token) return true;
    const bearer = request.headers.authorization;
    return bearer === `Bearer ${this.token}`;
  }

  #project(idOrPath: string): SimProject | undefined {
    if (/^\d+$/.test(idOrPath)) return this.#projects.get(Number(idOrPath));
    for (const project of this.#projects.values()) if (project.path === idOrPath) return project;
    return undefined;
  }

  #runnerByToken(token: unknown): SimRunner | undefined {
    if (typeof token !== 'string' || token === '') return undefined;
    for (const runner of this.#runners.values()) {
      if (runner.token !== token) continue;
      if (runner.tokenExpiresAt && runner.tokenExpiresAt.getTime() <= Date.now()) return undefined;
      return runner;
    }
    return undefined;
  }

  async #dispatch(
    endpoint: EndpointOrUnknown,
    params: string[],
    request: IncomingMessage,
    url: URL,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    if (endpoint === 'unknown') {
      answer(404, { error: '404 Not Found' });
      return;
    }
    const runnerSide: Endpoint[] = [
      'POST /runners/verify',
      'POST /jobs/request',
      'PUT /jobs/:id',
      'PATCH /jobs/:id/trace',
    ];
    if (!runnerSide.includes(endpoint) && !this.#authorized(request)) {
      answer(401, { message: '401 Unauthorized' });
      return;
    }
    switch (endpoint) {
      case 'GET /projects/:id': {
        const project = this.#project(params[0]!);
        if (!project) answer(404, { message: '404 Project Not Found' });
        else answer(200, projectPayload(project, this.#externalUrl));
        return;
      }
      case 'GET /projects/:id/jobs':
        this.#listJobs(params[0]!, url, answer);
        return;
      case 'GET /projects/:id/jobs/:job_id': {
        const project = this.#project(params[0]!);
        const job = this.#jobs.get(Number(params[1]));
        if (!project) answer(404, { message: '404 Project Not Found' });
        else if (!job || job.projectId !== project.id) answer(404, { message: '404 Not found' });
        else answer(200, this.#jobJson(job, project));
        return;
      }
      case 'POST /user/runners':
        this.#createRunner(await readBody(request), answer);
        return;
      case 'GET /runners/:id': {
        const runner = this.#runners.get(Number(params[0]));
        if (!runner) answer(404, { message: '404 Runner Not Found' });
        else answer(200, runnerPayload(runner, this.#projects.get(runner.projectId)));
        return;
      }
      case 'PUT /runners/:id':
        this.#updateRunner(Number(params[0]), await readBody(request), answer);
        return;
      case 'DELETE /runners/:id': {
        if (!this.#runners.delete(Number(params[0]))) answer(404, { message: '404 Runner Not Found' });
        else {
          answer(204, undefined);
          this.#changed();
        }
        return;
      }
      case 'POST /runners/verify': {
        const body = await readBody(request);
        const runner = this.#runnerByToken(body.token);
        if (!runner) answer(403, { message: '403 Forbidden' });
        else
          answer(200, {
            id: runner.id,
            token: runner.token,
            token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null,
          });
        return;
      }
      case 'POST /runners/:id/reset_authentication_token': {
        const runner = this.#runners.get(Number(params[0]));
        if (!runner) {
          answer(404, { message: '404 Runner Not Found' });
          return;
        }
        const now = new Date();
        runner.token = randomToken('glrt-');
        runner.tokenObtainedAt = now;
        runner.tokenExpiresAt =
          this.#tokenLifetime === null ? null : new Date(now.getTime() + this.#tokenLifetime * 1000);
        answer(201, { token: runner.token, token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null });
        this.#changed();
        return;
      }
      case 'POST /jobs/request':
        this.#requestJob(await readBody(request), answer);
        return;
      case 'PUT /jobs/:id':
        this.#updateJob(Number(params[0]), request, await readBody(request), answer);
        return;
      case 'PATCH /jobs/:id/trace':
        await this.#appendTrace(Number(params[0]), request, answer);
        return;
    }
  }

  #jobJson(job: SimJob, project: SimProject): Record<string, unknown> {
    const runner = job.runnerId === null ? undefined : this.#runners.get(job.runnerId);
    return jobPayload(job, project, runner, this.#externalUrl, Date.now());
  }

  #listJobs(
    idOrPath: string,
    url: URL,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const project = this.#project(idOrPath);
    if (!project) {
      answer(404, { message: '404 Project Not Found' });
      return;
    }
    const query = url.searchParams;
    const scopes = [...query.getAll('scope[]'), ...query.getAll('scope')];
    for (const scope of scopes) {
      if (!jobScopes.has(scope)) {
        answer(400, { error: 'scope does not have a valid value' });
        return;
      }
    }
    const asked = positiveInt(query.get('per_page'));
    const perPage = this.#pagination.forcePerPage ?? Math.min(100, asked ?? this.#pagination.defaultPerPage);
    const all = this.#jobList(project.id, scopes);
    const base = `${this.#externalUrl}${url.pathname}`;
    const link = (params: URLSearchParams, rel: string) => `<${base}?${params}>; rel="${rel}"`;

    if (query.get('pagination') === 'keyset' && this.#pagination.keyset) {
      if ((query.get('order_by') ?? 'id') !== 'id' || (query.get('sort') ?? 'desc') !== 'desc') {
        answer(405, { message: '405 Method Not Allowed' });
        return;
      }
      let before = Number.POSITIVE_INFINITY;
      const cursor = query.get('cursor');
      if (cursor) {
        try {
          const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
            id_before?: unknown;
          };
          if (typeof decoded.id_before !== 'number') throw new Error('bad cursor');
          before = decoded.id_before;
        } catch {
          answer(400, { error: 'cursor is invalid' });
          return;
        }
      }
      // The list is sorted by id, newest first: binary search for the first job older than the cursor.
      let low = 0;
      let high = all.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (all[mid]!.id < before) high = mid;
        else low = mid + 1;
      }
      const start = low < all.length ? low : -1;
      const page = start < 0 ? [] : all.slice(start, start + perPage);
      const headers: Record<string, string> = { 'x-per-page': String(perPage) };
      if (start >= 0 && start + perPage < all.length) {
        const next = new URLSearchParams(query);
        next.set('cursor', Buffer.from(JSON.stringify({ id_before: page.at(-1)!.id })).toString('base64url'));
        headers.link = link(next, 'next');
      }
      answer(
        200,
        page.map((job) => this.#jobJson(job, project)),
        headers,
      );
      return;
    }

    const pageNumber = positiveInt(query.get('page')) ?? 1;
    const total = all.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const page = all.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const hasNext = pageNumber * perPage < total;
    const headers: Record<string, string> = {
      'x-page': String(pageNumber),
      'x-per-page': String(perPage),
      'x-next-page': hasNext ? String(pageNumber + 1) : '',
      'x-prev-page': pageNumber > 1 ? String(pageNumber - 1) : '',
    };
    // GitLab leaves out the totals (and the "last" link) above 10,000 items.
    if (total <= 10_000) {
      headers['x-total'] = String(total);
      headers['x-total-pages'] = String(totalPages);
    }
    if (this.#pagination.links) {
      const at = (n: number) => {
        const params = new URLSearchParams(query);
        params.set('page', String(n));
        params.set('per_page', String(perPage));
        return params;
      };
      const links: string[] = [];
      if (pageNumber > 1) links.push(link(at(pageNumber - 1), 'prev'));
      if (hasNext) links.push(link(at(pageNumber + 1), 'next'));
      links.push(link(at(1), 'first'));
      if (total <= 10_000) links.push(link(at(totalPages), 'last'));
      headers.link = links.join(', ');
    }
    answer(
      200,
      page.map((job) => this.#jobJson(job, project)),
      headers,
    );
  }

  /** A project's jobs with one of the statuses (all when none), newest first; cached until something changes. */
  #jobList(projectId: number, scopes: string[]): SimJob[] {
    const key = `${projectId} ${[...scopes].sort().join(',')}`;
    const cached = this.#listCache.get(key);
    if (cached && cached.version === this.#version) return cached.list;
    const list: SimJob[] = [];
    for (const job of this.#jobs.values()) {
      if (job.projectId === projectId && (scopes.length === 0 || scopes.includes(job.status))) list.push(job);
    }
    list.reverse();
    if (this.#listCache.size > 100) this.#listCache.clear();
    this.#listCache.set(key, { version: this.#version, list });
    return list;
  }

  #validateTags(tags: string[], runUntagged: boolean): string | undefined {
    return tags.length === 0 && !runUntagged
      ? 'can not be empty when runner is not allowed to pick untagged jobs'
      : undefined;
  }

  #createRunner(
    body: Record<string, unknown>,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const type = stringParam(body, 'runner_type');
    if (!type) throw new BadRequest('runner_type is missing');
    if (type !== 'project_type') {
      if (type === 'instance_type' || type === 'group_type') answer(403, { message: '403 Forbidden' });
      else throw new BadRequest('runner_type does not have a valid value');
      return;
    }
    const projectId = stringParam(body, 'project_id');
    if (!projectId) throw new BadRequest('project_id is missing');
    const project = this.#project(projectId);
    if (!project) {
      answer(404, { message: '404 Project Not Found' });
      return;
    }
    const tags = listParam(body, 'tag_list') ?? [];
    const runUntagged = booleanParam(body, 'run_untagged') ?? true;
    const problem = this.#validateTags(tags, runUntagged);
    if (problem) {
      answer(400, { message: { tags_list: [problem] } });
      return;
    }
    const accessLevel = stringParam(body, 'access_level') ?? 'not_protected';
    if (accessLevel !== 'not_protected' && accessLevel !== 'ref_protected') {
      throw new BadRequest('access_level does not have a valid value');
    }
    const timeout = stringParam(body, 'maximum_timeout');
    const runner = this.#newRunner({
      projectId: project.id,
      description: stringParam(body, 'description') ?? '',
      tags,
      runUntagged,
      locked: booleanParam(body, 'locked') ?? false,
      paused: booleanParam(body, 'paused') ?? false,
      accessLevel,
      maximumTimeout: timeout ? Number(timeout) : null,
    });
    answer(201, {
      id: runner.id,
      token: runner.token,
      token_expires_at: runner.tokenExpiresAt?.toISOString() ?? null,
    });
    this.#changed();
  }

  #updateRunner(
    id: number,
    body: Record<string, unknown>,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const runner = this.#runners.get(id);
    if (!runner) {
      answer(404, { message: '404 Runner Not Found' });
      return;
    }
    const tags = listParam(body, 'tag_list') ?? runner.tags;
    const runUntagged = booleanParam(body, 'run_untagged') ?? runner.runUntagged;
    const problem = this.#validateTags(tags, runUntagged);
    if (problem) {
      answer(400, { message: { tags_list: [problem] } });
      return;
    }
    runner.tags = tags;
    runner.runUntagged = runUntagged;
    runner.description = stringParam(body, 'description') ?? runner.description;
    runner.locked = booleanParam(body, 'locked') ?? runner.locked;
    const active = booleanParam(body, 'active');
    runner.paused = booleanParam(body, 'paused') ?? (active === undefined ? runner.paused : !active);
    const timeout = stringParam(body, 'maximum_timeout');
    if (timeout !== undefined) runner.maximumTimeout = Number(timeout);
    const accessLevel = stringParam(body, 'access_level');
    if (accessLevel === 'not_protected' || accessLevel === 'ref_protected') runner.accessLevel = accessLevel;
    answer(200, runnerPayload(runner, this.#projects.get(runner.projectId)));
    this.#changed();
  }

  #requestJob(
    body: Record<string, unknown>,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const runner = this.#runnerByToken(body.token);
    if (!runner) {
      answer(403, { message: '403 Forbidden' });
      return;
    }
    runner.contactedAt = new Date();
    if (typeof body.system_id === 'string') runner.systemId = body.system_id;
    const project = this.#projects.get(runner.projectId);
    let job: SimJob | undefined;
    // Runners take the oldest job they can.
    for (const candidate of this.#jobs.values()) {
      if (candidate.status === 'pending' && runnerCanTake(runner, candidate)) {
        job = candidate;
        break;
      }
    }
    if (!job || !project) {
      answer(204, undefined, { 'x-gitlab-last-update': String(Date.now()) });
      this.#changed();
      return;
    }
    job.status = 'running';
    job.runnerId = runner.id;
    job.token = randomToken('glcbt-');
    job.startedAt = new Date();
    answer(201, runnerJobPayload(job, project, runner, this.#externalUrl, Date.now()));
    this.#changed();
  }

  #jobForToken(id: number, token: unknown): SimJob | 'missing' | 'forbidden' {
    const job = this.#jobs.get(id);
    if (!job) return 'missing';
    if (typeof token !== 'string' || job.token === null || token !== job.token) return 'forbidden';
    return job;
  }

  #updateJob(
    id: number,
    request: IncomingMessage,
    body: Record<string, unknown>,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const job = this.#jobForToken(id, body.token ?? request.headers['job-token']);
    if (job === 'missing') answer(404, { message: '404 Not found' });
    else if (job === 'forbidden') answer(403, { message: '403 Forbidden' });
    else {
      const state = stringParam(body, 'state');
      if (state && state !== 'running' && state !== 'success' && state !== 'failed') {
        throw new BadRequest('state does not have a valid value');
      }
      if (job.status === 'running' && (state === 'success' || state === 'failed')) {
        this.#finish(
          job,
          state,
          state === 'failed' ? (stringParam(body, 'failure_reason') ?? 'script_failure') : null,
        );
      }
      answer(200, undefined, { 'job-status': job.status });
    }
  }

  async #appendTrace(
    id: number,
    request: IncomingMessage,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const job = this.#jobForToken(id, request.headers['job-token']);
    if (job === 'missing') answer(404, { message: '404 Not found' });
    else if (job === 'forbidden') answer(403, { message: '403 Forbidden' });
    else {
      job.trace += Buffer.concat(chunks).toString('utf8');
      answer(202, undefined, {
        'job-status': job.status,
        range: `0-${Buffer.byteLength(job.trace)}`,
        'x-gitlab-trace-update-interval': '3',
      });
    }
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
