import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerFault, faultKind, streamOversizedBody, withEndlessNextPage } from './fault-answer.js';
import { type ActiveFault, type FaultRule, pickFault } from './faults.js';
import { type Answer, BadRequest, sendJson } from './http.js';
import { dispatch, type HandlerContext } from './dispatch.js';
import type { RateLimitWindow } from './rate-limit-window.js';
import type { RequestLog, RequestRecord } from './request-log.js';
import { gitEndpoints, route, runnerSideEndpoints } from './routes.js';
import { jobTokenMayClone } from './runner-jobs.js';

/** What the request handler needs of its {@link GitLabSimulator}. */
export interface RequestHost {
  readonly context: HandlerContext;
  /** The accepted access token. */
  readonly token: string;
  readonly faults: ActiveFault[];
  readonly log: RequestLog;
  readonly rateLimit: RateLimitWindow;
  /** Timers of delayed answers; the simulator clears them when it closes. */
  readonly timers: Set<NodeJS.Timeout>;
  closed(): boolean;
  emit(event: 'request' | 'response' | 'held', record: RequestRecord): void;
}

/**
 * Handles one HTTP request: logs it, applies the fault that matches it (before or after the handler ran),
 * serves git over HTTP, checks the access token and the rate limit, and hands it to its endpoint.
 */
export async function handleRequest(
  host: RequestHost,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { store } = host.context;
  const method = request.method ?? 'GET';
  const path = request.url ?? '/';
  const url = new URL(path, 'http://simulator.invalid');
  const { endpoint, params } = route(method, url.pathname);
  const record = host.log.add(method, path, endpoint);
  const fault = pickFault(host.faults, endpoint, path)?.rule;
  if (fault) record.fault = faultKind(fault);
  host.emit('request', record);
  const send: Answer = (status, body, headers) => {
    if (response.destroyed || response.writableEnded) return;
    sendJson(response, status, body, headers);
    answered(host, record, status);
  };
  // A fault `afterHandling`: the handler does its work (creates the runner, resets the token), then the
  // answer it gives is delayed, dropped or never sent.
  const held: Answer =
    fault?.afterHandling === true
      ? (status, body, headers) => {
          void lateAnswer(host, fault, request, record, () => send(status, body, headers));
        }
      : send;
  const answer = fault?.endlessNextPage ? withEndlessNextPage(held, url, fault.endlessNextPage) : held;

  if (fault && !fault.afterHandling) {
    if (await delayHangOrDrop(host, fault, request, record)) return;
    if (fault.oversizedBody !== undefined) {
      await streamOversizedBody(response, fault.oversizedBody);
      answered(host, record, 200);
      return;
    }
    if (answerFault(fault, answer)) return;
  }

  if (gitEndpoints.has(endpoint)) {
    const [projectPath, rest] = params as [string, string];
    if (!store.project(projectPath)) answer(404, { message: '404 Project Not Found' });
    else if (!jobTokenMayClone(store, projectPath, request.headers.authorization)) {
      answer(401, { message: 'HTTP Basic: Access denied' }, { 'www-authenticate': 'Basic realm="GitLab"' });
    } else {
      const status = await host.context.repos.serve(
        projectPath,
        rest,
        request,
        response,
        url.search.slice(1),
      );
      answered(host, record, status);
    }
    return;
  }
  try {
    if (!runnerSideEndpoints.has(endpoint) && !authorized(host, request))
      answer(401, { message: '401 Unauthorized' });
    else if (runnerSideEndpoints.has(endpoint) || endpoint === 'unknown')
      await dispatch(host.context, endpoint, params, request, url, answer);
    else {
      // Access-token API requests count against the rate limit and carry its headers.
      const rate = host.rateLimit.count();
      const limited: Answer = (status, body, headers) =>
        answer(status, body, { ...rate.headers, ...headers });
      if (rate.over) limited(429, { message: 'Retry later' });
      else await dispatch(host.context, endpoint, params, request, url, limited);
    }
  } catch (error) {
    if (error instanceof BadRequest) answer(400, { error: error.message });
    else answer(500, { message: '500 Internal Server Error' });
  }
}

/** Records that a request got its answer (`status` unless it got none) and tells the listeners. */
function answered(host: RequestHost, record: RequestRecord, status?: number): void {
  if (status !== undefined) record.status = status;
  record.answeredAt = Date.now();
  host.emit('response', record);
}

/** A fault `afterHandling`: holds the handler's answer, then sends it late, drops it or never sends it. */
async function lateAnswer(
  host: RequestHost,
  fault: FaultRule,
  request: IncomingMessage,
  record: RequestRecord,
  send: () => void,
): Promise<void> {
  record.heldAt = Date.now();
  host.emit('held', record);
  if (await delayHangOrDrop(host, fault, request, record)) return;
  send();
}

/**
 * Plays a fault's delay, hang or drop. True when the request gets no answer then: it hangs, its connection
 * was cut, or the simulator closed during the delay.
 */
async function delayHangOrDrop(
  host: RequestHost,
  fault: FaultRule,
  request: IncomingMessage,
  record: RequestRecord,
): Promise<boolean> {
  if (fault.delayMs) {
    await delay(host, fault.delayMs);
    if (host.closed()) return true;
  }
  if (fault.hang) return true;
  if (fault.drop) {
    request.socket.destroy();
    answered(host, record);
    return true;
  }
  return false;
}

function delay(host: RequestHost, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      host.timers.delete(timer);
      resolve();
    }, ms);
    host.timers.add(timer);
  });
}

function authorized(host: RequestHost, request: IncomingMessage): boolean {
  const header = request.headers['private-token'];
  if (header === host.token) return true;
  const bearer = request.headers.authorization;
  return bearer === `Bearer ${host.token}`;
}
