import { containsSecret } from '@mr/node-kit/redact';

/**
 * The environment for launch commands: everything the launcher has, except variables whose value contains a
 * secret (for example `GITLAB_TOKEN` when `management_token = "$GITLAB_TOKEN"`), so that no token reaches a
 * batch job's environment.
 */
export function launchEnvironment(
  env: Record<string, string | undefined>,
  secrets: Iterable<string>,
): Record<string, string | undefined> {
  const list = [...secrets];
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || containsSecret(value, list)) continue;
    out[key] = value;
  }
  return out;
}
