import { z } from 'zod';
import { type Call, encodeId, type RequestOptions } from './call.js';
import type { Transport } from './transport.js';

/** A group as `GET /groups/:id` returns it (doc/api/groups.md): the fields gitlab-meta-runner uses. */
export const groupSchema = z.looseObject({
  id: z.number().int(),
  full_path: z.string(),
  web_url: z.string().nullish(),
  parent_id: z.number().int().nullish(),
});
export type GitLabGroup = z.infer<typeof groupSchema>;

/** `GET /user` (doc/api/users.md): who the token belongs to. */
export const userSchema = z.looseObject({ id: z.number().int(), username: z.string() });
export type GitLabUser = z.infer<typeof userSchema>;

/** A member with its access level (10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner). */
export const memberSchema = z.looseObject({ id: z.number().int(), access_level: z.number().int() });
export type GitLabMember = z.infer<typeof memberSchema>;

/** `GET /groups/:id` by numeric id or full path (`my-group/subgroup`). */
export async function getGroup(
  transport: Transport,
  idOrPath: number | string,
  options: RequestOptions = {},
): Promise<GitLabGroup> {
  const call: Call = {
    method: 'GET',
    path: transport.api(`/groups/${encodeId(idOrPath)}?with_projects=false`),
    retryOn: 'all',
    ...options,
  };
  return transport.parse(groupSchema, call, await transport.request(call));
}

/** `GET /user`: the token's user. */
export async function getCurrentUser(
  transport: Transport,
  options: RequestOptions = {},
): Promise<GitLabUser> {
  const call: Call = { method: 'GET', path: transport.api('/user'), retryOn: 'all', ...options };
  return transport.parse(userSchema, call, await transport.request(call));
}

/**
 * `GET /groups/:id/members/all/:user_id` (doc/api/members.md): a member of the group, with the access level
 * inherited from ancestor groups.
 */
export async function getGroupMember(
  transport: Transport,
  groupId: number | string,
  userId: number,
  options: RequestOptions = {},
): Promise<GitLabMember> {
  const call: Call = {
    method: 'GET',
    path: transport.api(`/groups/${encodeId(groupId)}/members/all/${userId}`),
    retryOn: 'all',
    ...options,
  };
  return transport.parse(memberSchema, call, await transport.request(call));
}
