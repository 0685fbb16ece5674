/** What replaces a secret in text. */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not redacted: they would redact ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret (4 characters or longer) in a text by `[redacted]`. */
export function redactText(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets)
    if (secret && secret.length >= MIN_SECRET_LENGTH && out.includes(secret))
      out = out.split(secret).join(REDACTED);
  return out;
}

/** Whether a text contains one of the secrets (4 characters or longer). */
export function containsSecret(text: string, secrets: Iterable<string | undefined>): boolean {
  for (const secret of secrets)
    if (secret && secret.length >= MIN_SECRET_LENGTH && text.includes(secret)) return true;
  return false;
}

// GitLab's token prefixes (personal/project/group access, runner authentication, runner registration, CI job,
// pipeline trigger, deploy, feed, incoming mail, agent, OAuth), and legacy registration tokens.
const tokenPattern =
  /\b(?:glpat|glrt|glrtr|glcbt|glptt|gldt|glft|glimt|glagent|gloas|glsoat)-[0-9A-Za-z_.-]{8,}|\bGR1348941[0-9A-Za-z_-]{8,}/g;

/**
 * Removes secrets from text: every registered secret wherever it appears, and anything shaped like a GitLab
 * token (`glpat-...`, `glrt-...`, ...).
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret; strings shorter than 4 characters are ignored. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  redact(text: string): string {
    return redactText(text, this.#secrets).replace(tokenPattern, REDACTED);
  }

  /**
   * A copy of an error chain safe to keep as `cause`: name, `code`, message and stack redacted, recursively.
   * Other properties (which might hold request options or headers) are not copied.
   */
  sanitize(error: unknown, depth = 0): Error | undefined {
    if (error === undefined || error === null) return undefined;
    if (!(error instanceof Error)) return new Error(this.redact(String(error)));
    const nested = depth < 8 ? this.sanitize(error.cause, depth + 1) : undefined;
    const copy = new Error(this.redact(error.message), nested ? { cause: nested } : undefined);
    copy.name = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') (copy as { code?: string }).code = code;
    copy.stack = error.stack ? this.redact(error.stack) : copy.stack;
    return copy;
  }
}
