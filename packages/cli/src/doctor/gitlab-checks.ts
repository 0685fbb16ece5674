import { type GitLabClient, GitLabHttpError } from '@mr/gitlab-api';
import { type Config, configScope, type TokensFile } from '@mr/runner-config';
import type { Checklist } from './check.js';

/** Scopes each use of the management token needs; `api` covers all of them. */
const NEEDED_SCOPES = [
  ['read_api', 'read pending jobs and the project (run)'],
  ['create_runner', 'register runners (configure)'],
  ['manage_runner', 'update, delete and renew runners (configure, run)'],
] as const;

/** A management token expiring within this time is worth a warning. */
export const TOKEN_WARN_MS = 14 * 86_400_000;

export const newToken =
  'create a project access token (Settings → Access tokens, role Maintainer) with the scopes read_api, create_runner and manage_runner (or api), and put it where `management_token` reads it';

function httpStatus(error: unknown): number | undefined {
  return error instanceof GitLabHttpError ? error.status : undefined;
}

/** The management token: accepted, active, not expiring soon, with the scopes it needs. */
export async function checkManagementToken(
  list: Checklist,
  client: GitLabClient,
  now: number,
  config?: Config,
): Promise<boolean> {
  let self: Awaited<ReturnType<GitLabClient['getAccessTokenSelf']>>;
  try {
    self = await client.getAccessTokenSelf();
  } catch (error) {
    const status = httpStatus(error);
    if (status === 401) {
      list.fail(
        'token.valid',
        'GitLab refuses the management token (401: unknown, revoked or expired)',
        newToken,
      );
      return false;
    }
    if (status === 404) {
      list.warn(
        'token.valid',
        'GitLab cannot tell the management token’s scopes and expiry (no GET /personal_access_tokens/self before GitLab 15.5)',
        'nothing to do if configure and run work; the project check below still shows whether the token is accepted',
      );
      return true;
    }
    list.fail('token.valid', `cannot check the management token: ${(error as Error).message}`, newToken);
    return false;
  }
  const name = self.name ? ` "${self.name}"` : '';
  if (self.revoked === true || self.active === false) {
    list.fail(
      'token.valid',
      `the management token${name} is ${self.revoked ? 'revoked' : 'not active'}`,
      newToken,
    );
    return false;
  }
  if (self.expires_at) {
    // GitLab gives a date: the token works until that day ends (UTC).
    const end = Date.parse(`${self.expires_at.slice(0, 10)}T23:59:59Z`);
    const days = Math.floor((end - now) / 86_400_000);
    if (end < now)
      list.fail('token.expiry', `the management token${name} expired on ${self.expires_at}`, newToken);
    else if (end - now < TOKEN_WARN_MS)
      list.warn(
        'token.expiry',
        `the management token${name} expires on ${self.expires_at} (in ${days} day(s))`,
        `rotate it before then (Settings → Access tokens, or POST /personal_access_tokens/self/rotate) and update where management_token reads it`,
      );
    else list.ok('token.expiry', `the management token${name} is valid until ${self.expires_at}`);
  } else list.ok('token.expiry', `the management token${name} does not expire`);
  const scopes = new Set(self.scopes);
  // Enabling a runner in more projects (POST /projects/:id/runners) is an `api` endpoint: manage_runner
  // covers only /runners/:id (`allow_access_with_scope`, lib/api/ci/runners.rb).
  const several = config !== undefined && configScope(config).kind === 'projects';
  const missing = scopes.has('api')
    ? []
    : several
      ? [['api', 'enable runners in more projects (configure)'] as const]
      : NEEDED_SCOPES.filter(([scope]) => !scopes.has(scope));
  if (missing.length > 0)
    list.fail(
      'token.scopes',
      `the management token lacks scope(s) ${missing.map(([s, why]) => `${s} (to ${why})`).join(', ')}; it has ${[...scopes].join(', ') || 'none'}`,
      several
        ? 'scopes cannot be added to a token: create a new one with the api scope (`projects` enables runners in several projects)'
        : 'scopes cannot be added to a token: create a new one with read_api, create_runner and manage_runner (or api)',
    );
  else list.ok('token.scopes', `the management token has the scopes it needs (${[...scopes].join(', ')})`);
  return true;
}

/** Every instance of the config has a registered runner whose token GitLab accepts. */
export async function checkRunners(
  list: Checklist,
  client: GitLabClient,
  config: Config,
  tokens: TokensFile,
): Promise<void> {
  for (const instance of Object.keys(config.runners)) {
    const entry = Object.hasOwn(tokens, instance) ? tokens[instance] : undefined;
    const id = `runner.${instance}`;
    if (!entry) {
      list.fail(id, `instance ${instance} has no registered runner`, 'run `gitlab-meta-runner configure`');
      continue;
    }
    try {
      const verified = await client.verifyRunner(entry.token);
      if (verified === null)
        list.fail(
          id,
          `GitLab refuses the runner token of instance ${instance} (runner ${entry.id}: deleted, reset or expired)`,
          'run `gitlab-meta-runner configure`: it registers the runner again or renews its token',
        );
      else
        list.ok(
          id,
          `instance ${instance}: runner ${entry.id} is registered and its token is accepted${entry.token_expires_at ? ` (expires ${entry.token_expires_at})` : ''}`,
        );
    } catch (error) {
      list.fail(
        id,
        `cannot verify the runner token of ${instance}: ${(error as Error).message}`,
        'see the message',
      );
    }
  }
  for (const instance of Object.keys(tokens))
    if (!Object.hasOwn(config.runners, instance))
      list.warn(
        `runner.${instance}`,
        `runner of instance ${instance} is registered but no longer in the config`,
        'run `gitlab-meta-runner configure`: it deletes runners of removed instances',
      );
}
