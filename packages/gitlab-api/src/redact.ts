/** What replaces a secret in messages. */
export const REDACTED = '[redacted]';

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

  /** Registers a secret; strings shorter than 4 characters are ignored (they would redact ordinary text). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.#secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets)
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    return result.replace(tokenPattern, REDACTED);
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
