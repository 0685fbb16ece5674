import { REDACTED } from '@mr/node-kit/redact';
import type { Config } from './schema.js';
import type { TokensFile } from './tokens.js';

/** The config with `management_token` and `poll.webhook.secret` replaced by `[redacted]`, for show-config and logs. */
export function redactConfig(config: Config): Config {
  const webhook = config.poll.webhook;
  return {
    ...config,
    management_token: REDACTED,
    ...(webhook ? { poll: { ...config.poll, webhook: { ...webhook, secret: REDACTED } } } : {}),
  };
}

/** The tokens with every `token` replaced by `[redacted]`; ids and times stay. */
export function redactTokens(tokens: TokensFile): TokensFile {
  return Object.fromEntries(
    Object.entries(tokens).map(([instance, t]) => [instance, { ...t, token: REDACTED }]),
  );
}

/** A TOML line that assigns a secret: a key naming a token, password or secret, then its value. */
const SECRET_ASSIGNMENT =
  /^(\s*(?:\d+\s*:\s*)?["']?[\w.-]*(?:token|password|passwd|secret|private_key)[\w.-]*["']?\s*=\s*)\S.*$/i;

/**
 * A line of a TOML source excerpt (as in a syntax error) with the value of a secret key replaced by
 * `[redacted]`: `management_token = "glpat-…"` becomes `management_token = [redacted]`.
 */
export function redactTomlLine(line: string): string {
  return line.replace(SECRET_ASSIGNMENT, `$1${REDACTED}`);
}
