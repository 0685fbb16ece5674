import type { ServerResponse } from 'node:http';
import type { FaultRule } from './faults.js';
import type { Answer } from './http.js';

/** What a fault did to a request, as the request log records it. */
export type FaultKind = 'status' | 'rate-limit' | 'delay' | 'drop' | 'hang' | 'oversized' | 'endless-pages';

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

export function faultKind(rule: FaultRule): FaultKind {
  if (rule.hang) return 'hang';
  if (rule.drop) return 'drop';
  if (rule.oversizedBody !== undefined) return 'oversized';
  if (rule.rateLimit) return 'rate-limit';
  if (rule.status !== undefined) return 'status';
  if (rule.endlessNextPage) return 'endless-pages';
  return 'delay';
}

/** The fault `endlessNextPage`: a successful answer says there is a next page, whatever page it is. */
export function withEndlessNextPage(answer: Answer, url: URL, mode: true | 'new-jobs'): Answer {
  return (status, body, headers) => {
    if (status !== 200) {
      answer(status, body, headers);
      return;
    }
    const page = Number(url.searchParams.get('page')) || 1;
    const kept = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name !== 'link'));
    const shown =
      mode === 'new-jobs' && page > 1 && Array.isArray(body)
        ? body.map((job: { id: number }) => ({ ...job, id: job.id + page * 10_000_000 }))
        : body;
    answer(status, shown, { ...kept, 'x-next-page': String(page + 1) });
  };
}

/** Streams `[`, spaces and `]`, `bytes` in all, honouring back-pressure; ends early when the client goes. */
export async function streamOversizedBody(response: ServerResponse, bytes: number): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = Math.max(2, bytes) - 2;
  response.write('[');
  while (left > 0 && !response.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!response.write(piece))
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
  }
  if (!response.destroyed) response.end(']');
}

/**
 * Answers a request the way a fault says (after any delay, which the caller waits out). Returns false when
 * the fault only delays and the real handler should answer.
 */
export function answerFault(rule: FaultRule, answer: Answer): boolean {
  if (rule.rateLimit) {
    const headers: Record<string, string> = { ...rule.headers };
    const limit = rule.rateLimit === true ? {} : rule.rateLimit;
    if (limit.retryAfter !== undefined) headers['retry-after'] = String(limit.retryAfter);
    if (limit.rateLimitReset !== undefined) {
      // GitLab's RateLimit-* headers (doc/security/rate_limits.md): the reset is a Unix time in seconds.
      headers['ratelimit-reset'] = String(Math.ceil(Date.now() / 1000 + limit.rateLimitReset));
      headers['ratelimit-limit'] = '2000';
      headers['ratelimit-remaining'] = '0';
      headers['ratelimit-observed'] = '2000';
      headers['ratelimit-resettime'] = new Date(Date.now() + limit.rateLimitReset * 1000).toUTCString();
    }
    answer(429, rule.body ?? 'Retry later', headers);
    return true;
  }
  if (rule.status !== undefined) {
    answer(
      rule.status,
      rule.body ?? { message: statusMessages[rule.status] ?? `${rule.status}` },
      rule.headers,
    );
    return true;
  }
  return false;
}
