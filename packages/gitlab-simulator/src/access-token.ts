import type { Answer } from './http.js';

/** What the simulator says about its access token at `GET /personal_access_tokens/self`. */
export interface SimAccessToken {
  /** Default `['api']`. */
  scopes: string[];
  /** `YYYY-MM-DD`, or null for a token that does not expire (GitLab before 16.0). Default one year ahead. */
  expiresAt: string | null;
  /** Answer 404, as GitLab before 15.5 does (the endpoint did not exist yet). */
  missing?: boolean;
}

export function defaultAccessToken(now = Date.now()): SimAccessToken {
  return { scopes: ['api'], expiresAt: new Date(now + 365 * 86_400_000).toISOString().slice(0, 10) };
}

/**
 * `GET /personal_access_tokens/self`: the token that authenticated the request, with the fields GitLab's
 * "Personal access tokens API" documents (id, name, revoked, created_at, scopes, user_id, active, expires_at
 * as a date). Project and group access tokens answer the same way (they are tokens of bot users).
 */
export function accessTokenSelf(token: SimAccessToken, answer: Answer): void {
  if (token.missing) {
    answer(404, { error: '404 Not Found' });
    return;
  }
  answer(200, {
    id: 1,
    name: 'gitlab-meta-runner',
    revoked: false,
    created_at: '2026-01-01T00:00:00.000Z',
    scopes: [...token.scopes],
    user_id: 1,
    last_used_at: null,
    active: true,
    expires_at: token.expiresAt,
  });
}
