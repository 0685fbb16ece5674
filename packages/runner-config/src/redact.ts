import type { Config } from './schema.js';
import type { TokensFile } from './tokens.js';

/** What secrets are replaced by. */
export const REDACTED = '[redacted]';

/** The config with `management_token` replaced by `[redacted]`, for show-config and logs. */
export function redactConfig(config: Config): Config {
  return { ...config, management_token: REDACTED };
}

/** The tokens with every `token` replaced by `[redacted]`; ids and times stay. */
export function redactTokens(tokens: TokensFile): TokensFile {
  return Object.fromEntries(
    Object.entries(tokens).map(([instance, t]) => [instance, { ...t, token: REDACTED }]),
  );
}

/** Replaces every occurrence of the secrets (4 characters or longer) in a text by `[redacted]`. */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}
