import type { IncomingHttpHeaders } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One request as the client makes it. */
export interface Call {
  method: Method;
  /** Path below the origin, query included. */
  path: string;
  body?: Record<string, unknown> | undefined;
  /** `all`: 429, 502, 503, 504 and connection resets. `rate-limit`: only 429 (GitLab certainly did nothing). */
  retryOn: 'all' | 'rate-limit';
  signal?: AbortSignal | undefined;
  /** Sent without the token (a probe that only asks whether GitLab answers). */
  anonymous?: boolean | undefined;
}

/** GitLab's answer: status, headers, and the body parsed as JSON (or the text, for an error page). */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  data: unknown;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
}

/** A path without its query, as errors and logs name endpoints. */
export function withoutQuery(path: string): string {
  const at = path.indexOf('?');
  return at < 0 ? path : path.slice(0, at);
}

/** A numeric id or a full path (`group/project`) as one URL path segment. */
export function encodeId(idOrPath: number | string): string {
  return encodeURIComponent(String(idOrPath));
}
