import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@mr/logger';
import { LauncherError } from './errors.js';

// GitLab's side (doc/user/project/integrations/webhooks.md and webhook_events.md, "Job events"): a POST with
// `X-Gitlab-Event: Job Hook`, the secret token in `X-Gitlab-Token`, and a JSON body with `object_kind:
// "build"`, `build_id`, `build_status` ("created", "pending", "running", ...) and `project_id`. A job that becomes
// pending sends one (added by gitlab-org/gitlab#28103). Job hooks carry no runner tags.

// GitLab counts every answer but 2xx/3xx as a failure of the webhook, and on GitLab.com stops calling it for a
// minute (doubling up to a day) after four failures in a row (app/services/web_hook_service.rb and
// app/models/concerns/web_hooks/auto_disabling.rb at 017a6c129d6a9e4ad9fec792cd84f88641d7dbfe). A pipeline sends
// several hooks per job at once (created, pending, later running and finished), so the rate limit applies only
// to requests without the secret: GitLab's own deliveries are never refused for their number.

/** Job hook bodies are a few kilobytes; anything far larger is refused with 413. */
export const WEBHOOK_MAX_BODY_BYTES = 64 * 1024;
/** Requests without the secret accepted at once before 429 (a token bucket)... */
export const WEBHOOK_BURST = 30;
/** ...refilled at this many requests per second. */
export const WEBHOOK_RATE_PER_S = 10;
/** The shortest secret the listener starts with. */
export const WEBHOOK_MIN_SECRET = 16;

export interface WebhookListenerOptions {
  /** `host:port`; port 0 picks a free one (see {@link WebhookListener.address}). */
  listen: string;
  secret: string | undefined;
  /** A job became pending (`build_status: "pending"`). */
  onJobPending(jobId: number, projectId: number | undefined): void;
  logger: Logger;
  maxBodyBytes?: number | undefined;
}

export interface WebhookListener {
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Splits `host:port` / `[v6]:port`. */
function hostPort(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(at + 1)) };
}

/**
 * Starts the listener for GitLab's Job events webhook. Refuses to start without a secret of at least
 * {@link WEBHOOK_MIN_SECRET} characters. A request whose `X-Gitlab-Token` is wrong or missing (compared in
 * constant time): over the rate → 429; not POST → 405; otherwise 401. With the secret: not POST → 405; a body
 * over the cap → 413; not JSON → 400; otherwise 200, and a Job Hook whose job became pending calls
 * `onJobPending`.
 */
export async function startWebhookListener(options: WebhookListenerOptions): Promise<WebhookListener> {
  const { logger } = options;
  if (!options.secret || options.secret.length < WEBHOOK_MIN_SECRET)
    throw new LauncherError(
      'MR_LAUNCH_WEBHOOK_SECRET',
      `[poll.webhook] needs a secret of at least ${WEBHOOK_MIN_SECRET} characters; the listener does not start without one`,
      {
        hint: 'set [poll.webhook] secret = "$MR_WEBHOOK_SECRET" and the same secret token in GitLab\'s webhook settings',
      },
    );
  const expected = digest(options.secret);
  const maxBody = options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  let tokens = WEBHOOK_BURST;
  let refilledAt = Date.now();
  let refusedLogged = false;

  const answer = (response: ServerResponse, status: number, text: string) => {
    response.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
    response.end(`${text}\n`);
  };

  /** Takes one request from the bucket; false when it is empty. */
  const withinRate = () => {
    const now = Date.now();
    tokens = Math.min(WEBHOOK_BURST, tokens + ((now - refilledAt) / 1000) * WEBHOOK_RATE_PER_S);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const header = request.headers['x-gitlab-token'];
    const authentic = timingSafeEqual(digest(typeof header === 'string' ? header : ''), expected);
    if (!authentic) {
      if (!withinRate()) return answer(response, 429, 'too many requests');
      if (request.method !== 'POST') return answer(response, 405, 'POST only');
      if (!refusedLogged) logger.warn('webhook: refused a request with a wrong or missing X-Gitlab-Token');
      refusedLogged = true;
      return answer(response, 401, 'wrong token');
    }
    if (request.method !== 'POST') return answer(response, 405, 'POST only');
    const declared = Number(request.headers['content-length']);
    if (declared > maxBody) return answer(response, 413, 'body too large');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBody) return answer(response, 413, 'body too large');
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(response, 400, 'not JSON');
    }
    answer(response, 200, 'ok');
    if (request.headers['x-gitlab-event'] !== 'Job Hook') return;
    const hook = (body ?? {}) as Record<string, unknown>;
    if (hook.object_kind !== 'build' || hook.build_status !== 'pending') return;
    const jobId = Number(hook.build_id);
    if (!Number.isInteger(jobId)) return;
    const project = Number(hook.project_id);
    options.onJobPending(jobId, Number.isInteger(project) ? project : undefined);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) answer(response, 400, 'bad request');
      else response.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  const { host, port } = hostPort(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new LauncherError(
          'MR_LAUNCH_WEBHOOK_LISTEN',
          `The webhook listener cannot listen on ${options.listen}: ${cause.message}`,
          {
            cause,
            hint: 'pick a free port in [poll.webhook] listen, or stop what uses it',
          },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
