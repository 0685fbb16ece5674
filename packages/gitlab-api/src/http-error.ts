import type { Answer, Call } from './call.js';
import { withoutQuery } from './call.js';
import { GitLabHttpError } from './errors.js';
import type { Redactor } from '@mr/node-kit/redact';

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function hintFor(status: number): string | undefined {
  if (status === 401) return 'The token was refused: check management_token (wrong, expired or revoked?).';
  if (status === 403) {
    return 'The token lacks a permission: it needs the read_api, create_runner and manage_runner scopes and the Maintainer role in the project.';
  }
  if (status === 404) return 'The project, job or runner does not exist, or the token cannot see it.';
  if (status === 429) return 'GitLab is rate limiting this token; poll less often or try again later.';
  if (status >= 500) return 'GitLab (or a proxy in front of it) failed; try again later.';
  return undefined;
}

/** The error for an answer with a status of 300 or more: GitLab's own message (redacted, cut), and a hint. */
export function httpError(call: Call, answer: Answer, attempts: number, redactor: Redactor): GitLabHttpError {
  const raw = answer.data;
  let gitlabMessage: string | undefined;
  if (typeof raw === 'string') gitlabMessage = raw;
  else if (raw && typeof raw === 'object') {
    const body = raw as { message?: unknown; error?: unknown; error_description?: unknown };
    const value = body.message ?? body.error_description ?? body.error;
    if (value !== undefined) gitlabMessage = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (gitlabMessage !== undefined) {
    gitlabMessage = redactor.redact(gitlabMessage.replace(/\s+/g, ' ').trim());
    if (gitlabMessage.length > 300) gitlabMessage = `${gitlabMessage.slice(0, 300)}…`;
  }
  const status = answer.status;
  const text = statusText[status] ? ` ${statusText[status]}` : '';
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new GitLabHttpError(
    `GitLab answered ${status}${text} to ${call.method} ${withoutQuery(call.path)}${gitlabMessage ? `: ${gitlabMessage}` : ''}${tries}`,
    { status, method: call.method, path: call.path, gitlabMessage, attempts, hint: hintFor(status) },
  );
}
