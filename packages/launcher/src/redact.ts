/** Replaces every occurrence of a secret (4 characters or longer) by `[redacted]`. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets)
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * The environment for launch commands: everything the launcher has, except variables whose value contains a
 * secret (for example `GITLAB_TOKEN` when `management_token = "$GITLAB_TOKEN"`), so that no token reaches a
 * batch job's environment.
 */
export function launchEnvironment(
  env: Record<string, string | undefined>,
  secrets: Iterable<string>,
): Record<string, string | undefined> {
  const list = [...secrets].filter((s) => s.length >= 4);
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (list.some((s) => value.includes(s))) continue;
    out[key] = value;
  }
  return out;
}
