import { z } from 'zod';
import type { Call, RequestOptions } from './call.js';
import type { Transport } from './transport.js';

/**
 * `GET /personal_access_tokens/self` (GitLab 15.5+, "Personal access tokens API"): the token that makes the
 * request. Project and group access tokens answer too (they belong to bot users). `expires_at` is a date
 * (`YYYY-MM-DD`) or null.
 */
export const accessTokenSchema = z.looseObject({
  id: z.number().int().nullish(),
  name: z.string().nullish(),
  scopes: z.array(z.string()),
  active: z.boolean().nullish(),
  revoked: z.boolean().nullish(),
  expires_at: z.string().nullish(),
});
export type AccessTokenInfo = z.infer<typeof accessTokenSchema>;

/** The client's own token: its scopes and expiry. */
export async function getAccessTokenSelf(
  transport: Transport,
  options: RequestOptions = {},
): Promise<AccessTokenInfo> {
  const call: Call = {
    method: 'GET',
    path: transport.api('/personal_access_tokens/self'),
    retryOn: 'all',
    ...options,
  };
  return transport.parse(accessTokenSchema, call, await transport.request(call));
}
