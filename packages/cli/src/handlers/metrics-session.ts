import type { GitLabClient } from '@mr/gitlab-api';
import {
  LauncherError,
  LauncherMetrics,
  type LauncherObserver,
  type MetricsServer,
  serveMetrics,
  writeMetricsTextfile,
} from '@mr/launcher';
import type { Logger } from '@mr/logger';
import { type Config, configScope, readTokens, type TokensFile } from '@mr/runner-config';
import { TokenExpiryRefresh, tokenExpiryRefreshMs } from './token-cadence.js';

/** The metrics of one `run` or `run-single`: collected, served on `[metrics] listen`, written to `textfile`. */
export interface MetricsSession {
  metrics: LauncherMetrics;
  /** Passed to the launcher: updates the metrics and writes the textfile after each cycle. */
  observer: LauncherObserver;
  /** Every answer of GitLab (for the request counts, and to notice a refused management token). */
  gitlabAnswer(method: string, status: number | undefined): void;
  /** Runner token expiry from the tokens file (after a renewal). */
  setRunnerTokens(tokens: TokensFile): void;
  /**
   * Reads the tokens' expiry when due (see {@link TokenExpiryRefresh}): the runner tokens' from the tokens
   * file (`configure` may have renewed one), the management token's from GitLab (best effort: older GitLab
   * cannot tell). Costs nothing when not due.
   */
  refreshTokens(client: GitLabClient, tokensFile: string, signal: AbortSignal): Promise<void>;
  /** Writes the textfile a last time and stops the listener. */
  close(): Promise<void>;
}

/**
 * Starts the metrics of a config's `[metrics]` section; undefined when it asks for none. A listener that
 * cannot bind is an error (`MR_LAUNCH_METRICS_LISTEN`); a textfile that cannot be written is logged and
 * tried again after the next cycle.
 */
export async function startMetrics(config: Config, logger: Logger): Promise<MetricsSession | undefined> {
  const { listen, textfile } = config.metrics;
  if (!listen && !textfile) return undefined;
  const metrics = new LauncherMetrics(Object.keys(config.runners), {
    perProject: configScope(config).kind !== 'project',
  });
  let server: MetricsServer | undefined;
  if (listen) {
    try {
      server = await serveMetrics(listen, () => metrics.render());
    } catch (error) {
      throw new LauncherError(
        'MR_LAUNCH_METRICS_LISTEN',
        `Cannot serve metrics on ${listen} ([metrics] listen): ${(error as Error).message}`,
        {
          cause: error,
          hint: 'choose a free port, or use [metrics] textfile where no port may be opened',
        },
      );
    }
    logger.info('serving metrics', { url: server.url });
  }
  let writing: Promise<void> = Promise.resolve();
  let failedBefore = false;
  const write = () => {
    if (!textfile) return;
    const text = metrics.render();
    writing = writing.then(async () => {
      try {
        await writeMetricsTextfile(textfile, text);
        failedBefore = false;
      } catch (error) {
        if (!failedBefore) logger.warn(`metrics textfile not written: ${(error as Error).message}`);
        failedBefore = true;
      }
    });
  };
  const refresh = new TokenExpiryRefresh(tokenExpiryRefreshMs(config));
  const setRunnerTokens = (tokens: TokensFile) => {
    for (const [instance, t] of Object.entries(tokens))
      metrics.runnerTokenExpiry(instance, t.token_expires_at ?? undefined);
  };
  const observer: LauncherObserver = {
    pendingJobs: (jobs, at) => metrics.pendingJobs(jobs, at),
    launch: (event) => metrics.launch(event),
    cycle: (result, state, at) => {
      metrics.cycle(result, state, at);
      write();
    },
    cycleError: (error, state, at) => {
      metrics.cycleError(error, state);
      void at;
      write();
    },
  };
  return {
    metrics,
    observer,
    gitlabAnswer(method, status) {
      metrics.gitlabRequest(method, status);
      refresh.answer(status);
    },
    setRunnerTokens,
    refreshTokens: (client, tokensFile, signal) =>
      refresh.maybeRead(Date.now(), async () => {
        try {
          setRunnerTokens(await readTokens(tokensFile));
        } catch (error) {
          logger.verbose(`runner token expiry not read: ${(error as Error).message}`);
        }
        try {
          const self = await client.getAccessTokenSelf({ signal });
          if (self.expires_at) metrics.managementTokenExpiry(self.expires_at);
        } catch (error) {
          logger.verbose(`management token expiry unknown: ${(error as Error).message}`);
        }
      }),
    async close() {
      write();
      await writing;
      await server?.close();
    },
  };
}
