import type { GitLabClient } from '@mr/gitlab-api';
import { type Launcher, openLauncher } from '@mr/launcher';
import { ResourceRunnerRegistry, rotateExpiringTokens } from '@mr/registration';
import { loadConfig, readTokens, tokensFilePath } from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { startMetrics } from './metrics-session.js';
import { registrationContext } from './registration-context.js';

/** What `run` and `run-single` share: the config, an open launcher, and signal handling. */
export interface LaunchSession {
  launcher: Launcher;
  client: GitLabClient;
  config: Awaited<ReturnType<typeof loadConfig>>;
  /** Fires at the first SIGINT/SIGTERM: stop polling, let launches in flight finish. */
  signal: AbortSignal;
  /**
   * Renews runner tokens that expire within `rotate_tokens_within` (tokens file and generated config) and
   * tells the launcher the new secrets. Runs before a cycle, so that the cycle checks renewed tokens.
   */
  renewExpiringTokens(signal: AbortSignal): Promise<void>;
  /**
   * Reads the tokens' expiry again for the metrics when that is due (every 10 minutes at most, and after
   * GitLab refused the management token); nothing without `[metrics]`.
   */
  refreshTokenMetrics(signal: AbortSignal): Promise<void>;
  /** Removes the signal handlers and releases the lock. */
  close(): Promise<void>;
}

/**
 * Loads the config, takes the data directory's lock and installs SIGINT/SIGTERM handlers: the first signal
 * stops polling and lets launch commands in flight finish; a second one stops those commands too. With
 * `readOnly` (a dry run): no lock and no metrics, so that it can look beside a running `run` without
 * touching its listener or textfile.
 */
export async function openLaunchSession(
  context: CommandContext,
  command: string,
  options: { readOnly?: boolean } = {},
): Promise<LaunchSession> {
  const config = await loadConfig(context.configFile, { env: context.env });
  const metrics = options.readOnly ? undefined : await startMetrics(config, context.logger);
  const opened = await openLauncher({
    config,
    dataDir: context.dataDir,
    generatedConfigFile: context.generatedConfigFile,
    thisPath: context.thisPath,
    env: context.env,
    logger: context.logger,
    command,
    readOnly: options.readOnly,
    resourceRunners: (client) =>
      new ResourceRunnerRegistry({
        client,
        config,
        ...registrationContext(context),
      }),
    observer: metrics?.observer,
    onGitLabResponse: metrics ? (method, status) => metrics.gitlabAnswer(method, status) : undefined,
  }).catch(async (error: unknown) => {
    await metrics?.close();
    throw error;
  });
  const { launcher, client } = opened;
  const tokensFile = tokensFilePath(context.dataDir, config.name);
  await metrics?.refreshTokens(client, tokensFile, new AbortController().signal);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      context.logger.info(
        `${name}: stopping; launch commands in flight may finish (send it again to stop them now)`,
      );
      controller.abort();
    } else {
      context.logger.warn(`${name} again: stopping launch commands in flight`);
      launcher.forceStop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    launcher,
    client,
    config,
    signal: controller.signal,
    async renewExpiringTokens(signal) {
      const result = await rotateExpiringTokens({
        client,
        config,
        ...registrationContext(context),
        signal,
      });
      if (result.rotated.length > 0) {
        const tokens = await readTokens(tokensFile);
        launcher.addSecrets(Object.values(tokens).map((t) => t.token));
        metrics?.setRunnerTokens(tokens);
      }
    },
    refreshTokenMetrics: async (signal) => metrics?.refreshTokens(client, tokensFile, signal),
    async close() {
      await launcher.close();
      await metrics?.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
