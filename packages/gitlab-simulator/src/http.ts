import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body as it came. */
export async function readRawBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a request body: JSON, `application/x-www-form-urlencoded`, or nothing. */
export async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readRawBody(request)).toString('utf8');
  if (text.trim() === '') return {};
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    const body: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      if (key.endsWith('[]')) body[key.slice(0, -2)] = form.getAll(key);
      else body[key] = form.get(key);
    }
    return body;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
}

/** A request the simulator refuses with 400, like GitLab's parameter validation. */
export class BadRequest extends Error {}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined || status === 204) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** A string parameter (form values arrive as strings, JSON as anything). */
export function stringParam(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** A boolean parameter as GitLab's API reads it (`true`, `"true"`, `1`, ...). */
export function booleanParam(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  return undefined;
}

/** A list parameter: a JSON array, a form `key[]` list, or a comma-separated string (`tag_list=a,b`). */
export function listParam(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (Array.isArray(value))
    return value
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return undefined;
}

/** Sends one answer (JSON unless the body is undefined), once. */
export type Answer = (status: number, body: unknown, headers?: Record<string, string>) => void;
