import type { Call, RequestOptions } from './call.js';
import { GitLabHttpError } from './errors.js';
import {
  createdRunnerSchema,
  type GitLabRunner,
  resetTokenSchema,
  runnerSchema,
  verifiedRunnerSchema,
} from './schemas.js';
import type { Transport } from './transport.js';

export interface CreateRunnerParams {
  /** A project runner of this project (`runner_type=project_type`)... */
  projectId?: number | undefined;
  /** ...or a group runner of this group (`runner_type=group_type`; needs the Owner role there). */
  groupId?: number | undefined;
  description: string;
  tagList: readonly string[];
  runUntagged: boolean;
  /** Lock the runner to its project (a project runner enabled in other projects must not be). Default true. */
  locked?: boolean;
  /** Register the runner paused. Default false. */
  paused?: boolean;
  /** Longest job the runner accepts, in seconds. */
  maximumTimeout?: number | undefined;
  accessLevel?: 'not_protected' | 'ref_protected' | undefined;
}

export interface UpdateRunnerParams {
  description?: string;
  tagList?: readonly string[];
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  maximumTimeout?: number | undefined;
  accessLevel?: 'not_protected' | 'ref_protected' | undefined;
}

/** A newly created runner. The token cannot be read from GitLab again: store it at once. */
export interface CreatedRunner {
  id: number;
  token: string;
  token_expires_at: string | null;
}

export interface RunnerToken {
  token: string;
  token_expires_at: string | null;
}

/** What `POST /runners/verify` tells about a valid runner token. */
export interface VerifiedRunner {
  id: number | null;
  token_expires_at: string | null;
}

/**
 * `POST /user/runners` (doc/api/users.md) with `runner_type=project_type` and `project_id`, or
 * `runner_type=group_type` and `group_id`. Retried only on 429: after a 5xx or a broken connection GitLab
 * may have created the runner, and a second attempt would leave the first one orphaned.
 */
export async function createRunner(
  transport: Transport,
  params: CreateRunnerParams,
  options: RequestOptions = {},
): Promise<CreatedRunner> {
  const owner =
    params.groupId !== undefined
      ? { runner_type: 'group_type', group_id: params.groupId }
      : { runner_type: 'project_type', project_id: params.projectId };
  const body: Record<string, unknown> = {
    ...owner,
    description: params.description,
    tag_list: [...params.tagList],
    run_untagged: params.runUntagged,
    paused: params.paused ?? false,
  };
  // `locked` keeps a project runner to its projects; a group runner is sent without it.
  if (params.groupId === undefined) body.locked = params.locked ?? true;
  if (params.maximumTimeout !== undefined) body.maximum_timeout = params.maximumTimeout;
  if (params.accessLevel !== undefined) body.access_level = params.accessLevel;
  const path = transport.api('/user/runners');
  const call: Call = { method: 'POST', path, body, retryOn: 'rate-limit', ...options };
  const created = transport.parse(createdRunnerSchema, call, await transport.request(call));
  transport.addSecret(created.token);
  return { id: created.id, token: created.token, token_expires_at: created.token_expires_at ?? null };
}

/** `PUT /runners/:id`; only the given fields change. A 404 means the runner no longer exists. */
export async function updateRunner(
  transport: Transport,
  id: number,
  params: UpdateRunnerParams,
  options: RequestOptions = {},
): Promise<GitLabRunner> {
  const body: Record<string, unknown> = {};
  if (params.description !== undefined) body.description = params.description;
  if (params.tagList !== undefined) body.tag_list = [...params.tagList];
  if (params.runUntagged !== undefined) body.run_untagged = params.runUntagged;
  if (params.locked !== undefined) body.locked = params.locked;
  if (params.paused !== undefined) body.paused = params.paused;
  if (params.maximumTimeout !== undefined) body.maximum_timeout = params.maximumTimeout;
  if (params.accessLevel !== undefined) body.access_level = params.accessLevel;
  const call: Call = {
    method: 'PUT',
    path: transport.api(`/runners/${id}`),
    body,
    retryOn: 'all',
    ...options,
  };
  return transport.parse(runnerSchema, call, await transport.request(call));
}

/** `DELETE /runners/:id`. A 404 (already gone) is thrown like any error; see `isNotFound`. */
export async function deleteRunner(
  transport: Transport,
  id: number,
  options: RequestOptions = {},
): Promise<void> {
  await transport.request({
    method: 'DELETE',
    path: transport.api(`/runners/${id}`),
    retryOn: 'all',
    ...options,
  });
}

/** `POST /runners/verify`: the runner a token belongs to, or null when GitLab refuses the token (403). */
export async function verifyRunner(
  transport: Transport,
  token: string,
  options: RequestOptions = {},
): Promise<VerifiedRunner | null> {
  transport.addSecret(token);
  const path = transport.api('/runners/verify');
  const call: Call = { method: 'POST', path, body: { token }, retryOn: 'all', ...options };
  try {
    const verified = transport.parse(verifiedRunnerSchema, call, await transport.request(call));
    return { id: verified.id ?? null, token_expires_at: verified.token_expires_at ?? null };
  } catch (error) {
    if (error instanceof GitLabHttpError && error.status === 403) return null;
    throw error;
  }
}

/** `POST /runners/:id/reset_authentication_token`: a new token; the old one stops working. */
export async function resetRunnerToken(
  transport: Transport,
  id: number,
  options: RequestOptions = {},
): Promise<RunnerToken> {
  const path = transport.api(`/runners/${id}/reset_authentication_token`);
  const call: Call = { method: 'POST', path, retryOn: 'all', ...options };
  const reset = transport.parse(resetTokenSchema, call, await transport.request(call));
  transport.addSecret(reset.token);
  return { token: reset.token, token_expires_at: reset.token_expires_at ?? null };
}
