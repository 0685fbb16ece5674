import type { z } from 'zod';
import { type Answer, type Call, withoutQuery } from './call.js';
import { GitLabResponseError } from './errors.js';
import type { Redactor } from '@mr/node-kit/redact';

function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text || '(the whole answer)';
}

/**
 * GitLab's answer checked against `schema`, or a {@link GitLabResponseError} naming the endpoint, the first
 * field that is wrong (and the job's id when the answer is a list of jobs), and how many more there are.
 */
export function checkAnswer<T extends z.ZodType>(
  schema: T,
  call: Call,
  answer: Answer,
  redactor: Redactor,
): z.output<T> {
  const result = schema.safeParse(answer.data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const describe = (issue: (typeof issues)[number]) => {
    const index = issue.path[0];
    const item = typeof index === 'number' && Array.isArray(answer.data) ? answer.data[index] : undefined;
    const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'number';
    const which = id ? ` (id ${(item as { id: number }).id})` : '';
    return redactor.redact(`${fieldPath(issue.path)}${which}: ${issue.message}`);
  };
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new GitLabResponseError(
    `GitLab's answer to ${call.method} ${withoutQuery(call.path)} is not what gitlab-meta-runner expects: ${describe(issues[0]!)}${more}`,
    {
      method: call.method,
      path: call.path,
      fields: issues.map((issue) => fieldPath(issue.path)),
      details: issues.length > 1 ? issues.slice(0, 20).map(describe) : undefined,
      hint: 'Is the URL a GitLab server, and is it a supported version?',
    },
  );
}
