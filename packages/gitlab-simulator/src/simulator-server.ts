import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { defaultAccessToken, type SimAccessToken } from './access-token.js';
import type { HandlerContext } from './dispatch.js';
import {
  type ActiveFault,
  addFault,
  type EndpointOrUnknown,
  type FaultHandle,
  type FaultRule,
} from './faults.js';
import { paginationWithDefaults } from './job-list.js';
import { randomToken } from './model.js';
import type { SimulatorOptions, WaitForOptions } from './options.js';
import { ProjectRepos } from './project-repos.js';
import { RateLimitWindow } from './rate-limit-window.js';
import { handleRequest, type RequestHost } from './request-handler.js';
import { RequestLog, type RequestRecord } from './request-log.js';
import { SimulatorStore } from './state.js';
import { waitForEvents } from './wait-for.js';

/**
 * The server side of the simulator: the loopback HTTP server and its connections, the store its requests
 * work on, the request log, fault injection and waiting for what clients do. {@link GitLabSimulator} adds
 * the GitLab content (projects, jobs, runners, webhooks) on top.
 */
export class SimulatorServer extends EventEmitter {
  /** `http://127.0.0.1:<port>`: use it as the GitLab URL (`hostname`). */
  readonly url: string;
  /** The accepted access token. */
  readonly token: string;
  /** What `GET /personal_access_tokens/self` says about {@link token}; tests change it in place. */
  readonly accessToken: SimAccessToken;
  /** What the simulator knows; the request handlers and the public API both work on it. */
  protected readonly store: SimulatorStore;
  protected readonly context: HandlerContext;
  readonly #server: Server;
  readonly #faults: ActiveFault[] = [];
  readonly #log: RequestLog;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #requestHost: RequestHost;
  #closed = false;

  /** The constructor does not listen yet. */
  constructor(server: Server, url: string, options: SimulatorOptions) {
    super();
    this.#server = server;
    this.url = url;
    this.token = options.token ?? randomToken('glpat-');
    this.accessToken = { ...defaultAccessToken(), ...options.accessToken };
    this.#log = new RequestLog(options.requestLogLimit ?? 10_000);
    this.store = new SimulatorStore(options.runnerTokenExpiresIn ?? null, () => this.storeChanged());
    this.context = {
      store: this.store,
      repos: new ProjectRepos(options.gitRoot),
      webBase: (options.externalUrl ?? url).replace(/\/+$/, ''),
      pagination: paginationWithDefaults(options.pagination),
      accessToken: this.accessToken,
    };
    this.#requestHost = {
      context: this.context,
      token: this.token,
      faults: this.#faults,
      log: this.#log,
      rateLimit: new RateLimitWindow(options.rateLimit),
      timers: this.#timers,
      closed: () => this.#closed,
      emit: (event, record) => this.emit(event, record),
    };
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Called on every change of the store (never during this constructor): emits `change`. */
  protected storeChanged(): void {
    this.emit('change');
  }

  /** Calls `fn` every `ms` until the simulator closes. */
  protected every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.#timers.add(timer);
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
    return addFault(this.#faults, rule);
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
    this.context.repos.close();
  }

  /** @internal Handles one HTTP request. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return handleRequest(this.#requestHost, request, response);
  }
}
