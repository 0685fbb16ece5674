import type { GitLabClient } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import {
  type Config,
  generatedConfigPath,
  type InstanceContext,
  readTokens,
  type RunnerToken,
  type TokensFile,
  tokensFilePath,
  readResourceRunners,
  resourceRunnersPath,
  writeGeneratedConfig,
} from '@mr/runner-config';
import { forEachLimited } from '@mr/node-kit';
import { RegistrationError } from './errors.js';
import { withTokensLock } from './token-lock.js';
import { TokenStore } from './token-store.js';

/** An instance whose runner could not be changed, and why (the error never holds a token). */
export interface ConfigureFailure {
  instance: string;
  action: 'create' | 'update' | 'delete' | 'rotate';
  error: Error;
}

export interface RotateOptions {
  client: GitLabClient;
  config: Config;
  /** Renew tokens that expire within this many milliseconds. Default `config.rotate_tokens_within`. */
  withinMs?: number | undefined;
  /**
   * Ask GitLab about every token (`configure`: a token revoked or expired early is renewed too), not only
   * about those whose expiry is unknown. Default false.
   */
  verifyAll?: boolean | undefined;
  /** Instances to leave alone (e.g. just registered). */
  skip?: ReadonlySet<string> | undefined;
  concurrency?: number | undefined;
  logger?: Logger | undefined;
  now?: (() => Date) | undefined;
  signal?: AbortSignal | undefined;
}

export interface RotateResult {
  rotated: string[];
  failed: ConfigureFailure[];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Renews, in a token store, the token of every configured instance that expires within the window (or has
 * already expired): `POST /runners/:id/reset_authentication_token`, then the new token is written at once.
 * A token whose expiry is unknown (tokens files of older versions), or every token with `verifyAll`, is asked
 * about with `POST /runners/verify` first; one GitLab refuses is renewed too. Failures are returned, and the old entry is kept.
 */
export async function rotateInStore(store: TokenStore, options: RotateOptions): Promise<RotateResult> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const within = options.withinMs ?? options.config.rotate_tokens_within;
  const rotated: string[] = [];
  const failed: ConfigureFailure[] = [];
  const instances = Object.keys(options.config.runners).filter(
    (name) => store.get(name) && !options.skip?.has(name),
  );

  await forEachLimited(instances, options.concurrency ?? 4, async (instance) => {
    const entry = store.get(instance);
    if (!entry) return;
    try {
      let expiresAt = entry.token_expires_at;
      let refused = false;
      if (expiresAt === undefined || options.verifyAll) {
        await store.ready();
        const verified = await options.client.verifyRunner(entry.token, { signal: options.signal });
        if (verified === null) refused = true;
        else if (verified.token_expires_at && verified.token_expires_at !== expiresAt) {
          expiresAt = verified.token_expires_at;
          await store.set(instance, { ...entry, token_expires_at: expiresAt });
        }
      }
      const expiring = expiresAt !== undefined && Date.parse(expiresAt) - now().getTime() <= within;
      if (!refused && !expiring) return;
      // A token GitLab returns must be storable: prove it before GitLab revokes the old one.
      await store.probe();
      const expires = await renewVerified(store, instance, entry, options);
      rotated.push(instance);
      logger.info(refused ? 'renewed a token GitLab refused' : 'renewed an expiring token', {
        instance,
        runner: entry.id,
        expires: expires ?? 'never',
      });
    } catch (error) {
      if (store.failure !== undefined) throw store.failure;
      failed.push({ instance, action: 'rotate', error: asError(error) });
      logger.error(`cannot renew the token of ${instance}: ${asError(error).message}`, {
        instance,
        runner: entry.id,
      });
    }
  });
  return { rotated, failed };
}

/** Renewals tried when GitLab refuses the token it has just issued (someone reset it again at once). */
const RENEWAL_ATTEMPTS = 3;

/**
 * Resets a runner's token, stores the new one at once, then asks GitLab whether it accepts that token
 * (`POST /runners/verify`): a token reset again by someone else in between is renewed again, so that what
 * is stored is what GitLab accepts. Returns the new token's expiry. Throws `MR_CONFIGURE_TOKEN_UNVERIFIED`
 * when GitLab refuses every token it issued, or the error of a failed request.
 */
async function renewVerified(
  store: TokenStore,
  instance: string,
  entry: RunnerToken,
  options: RotateOptions,
): Promise<string | undefined> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  for (let attempt = 1; attempt <= RENEWAL_ATTEMPTS; attempt++) {
    await store.ready();
    const reset = await options.client.resetRunnerToken(entry.id, { signal: options.signal });
    await store.set(instance, {
      id: entry.id,
      token: reset.token,
      token_obtained_at: now().toISOString(),
      ...(reset.token_expires_at ? { token_expires_at: reset.token_expires_at } : {}),
    });
    const verified = await options.client.verifyRunner(reset.token, { signal: options.signal });
    if (verified !== null) return reset.token_expires_at ?? undefined;
    logger.warn('GitLab refuses the token it has just issued (reset again elsewhere?); renewing it again', {
      instance,
      runner: entry.id,
      attempt,
    });
  }
  throw new RegistrationError(
    'MR_CONFIGURE_TOKEN_UNVERIFIED',
    `GitLab refused each of the ${RENEWAL_ATTEMPTS} tokens it issued for runner ${entry.id} (instance ${instance})`,
    {
      hint: "something else resets this runner's token (another tool, or an older gitlab-meta-runner on another data directory); stop it, then run configure again",
    },
  );
}

export interface RotateExpiringTokensOptions extends RotateOptions {
  dataDir: string;
  /** `--generated-config-file`; default `<data-dir>/<name>.gitlab-config.toml`. */
  generatedConfigFile?: string | undefined;
  /** For rewriting the generated gitlab-runner config (`$THIS`, environment, home). */
  context: InstanceContext;
}

/** Whether any configured instance has a token whose expiry is unknown or within the window. */
function anyDue(tokens: TokensFile, options: RotateOptions): boolean {
  const within = options.withinMs ?? options.config.rotate_tokens_within;
  const now = (options.now ?? (() => new Date()))().getTime();
  return Object.keys(options.config.runners).some((name) => {
    const entry = tokens[name];
    if (!entry || options.skip?.has(name)) return false;
    return entry.token_expires_at === undefined || Date.parse(entry.token_expires_at) - now <= within;
  });
}

/**
 * For `run` and `run-single`: renews runner tokens that expire within `rotate_tokens_within`, writing the
 * tokens file after each renewal, and rewrites the generated gitlab-runner config when any token changed
 * (a `run-single` started later reads the new token from it). When a token is due it takes the tokens lock
 * and reads the tokens again inside it. Failures are logged and returned; the old token stays in both files.
 */
export async function rotateExpiringTokens(options: RotateExpiringTokensOptions): Promise<RotateResult> {
  const { config, dataDir } = options;
  const tokensFile = tokensFilePath(dataDir, config.name);
  const configFile = generatedConfigPath(dataDir, config.name, options.generatedConfigFile);
  // Nothing due: no lock needed (a `configure` holding it is left alone).
  if (!anyDue(await readTokens(tokensFile), options)) return { rotated: [], failed: [] };
  return withTokensLock(
    {
      tokensFile,
      generatedConfigFile: configFile,
      purpose: 'gitlab-meta-runner run (renewing runner tokens)',
      logger: options.logger,
      signal: options.signal,
    },
    async (signal) => {
      // Read under the lock: a `configure` that held it may have renewed the tokens just now.
      const store = new TokenStore(tokensFile, await readTokens(tokensFile));
      const result = await rotateInStore(store, { ...options, signal });
      await store.ready();
      if (store.changed) {
        await writeGeneratedConfig(configFile, config, store.tokens, {
          ...options.context,
          logger: options.logger,
          resourceRunners: (await readResourceRunners(resourceRunnersPath(options.dataDir, config.name)))
            .runners,
        });
      }
      return result;
    },
  );
}
