import { homedir } from 'node:os';
import { rotateExpiringTokens } from '@mr/registration';
import { readTokens, tokensFilePath } from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { type LaunchSession, openLaunchSession } from './launch-session.js';

/**
 * How often `run` checks for runner tokens about to expire: a quarter of `rotate_tokens_within`, at least
 * every poll interval and at most every hour.
 */
export function rotationCheckMs(rotateWithin: number, pollInterval: number): number {
  return Math.min(3_600_000, Math.max(pollInterval, rotateWithin / 4));
}

/** Renews expiring runner tokens (tokens file and generated config) and tells the launcher the new secrets. */
async function rotate(context: CommandContext, session: LaunchSession, signal: AbortSignal): Promise<void> {
  const { config, client, launcher } = session;
  const result = await rotateExpiringTokens({
    client,
    config,
    dataDir: context.dataDir,
    generatedConfigFile: context.generatedConfigFile,
    context: { thisPath: context.thisPath, env: context.env, home: context.env.HOME || homedir() },
    logger: context.logger,
    signal,
  });
  if (result.rotated.length > 0) {
    const tokens = await readTokens(tokensFilePath(context.dataDir, config.name));
    launcher.addSecrets(Object.values(tokens).map((t) => t.token));
  }
}

/**
 * Cycles every `[poll] interval` until SIGINT/SIGTERM, then waits for launches in flight and exits 0.
 * Renews runner tokens that expire within `rotate_tokens_within` before they do.
 */
export async function runHandler(context: CommandContext): Promise<number> {
  const session = await openLaunchSession(context, 'gitlab-meta-runner run');
  try {
    const { config } = session;
    context.logger.info('running', {
      interval_s: config.poll.interval / 1000,
      instances: Object.keys(config.runners).length,
    });
    const rotateEveryMs = rotationCheckMs(config.rotate_tokens_within, config.poll.interval);
    let lastRotation: number | undefined;
    await session.launcher.run({
      intervalMs: config.poll.interval,
      signal: session.signal,
      beforeCycle: async (signal) => {
        if (lastRotation !== undefined && Date.now() - lastRotation < rotateEveryMs) return;
        lastRotation = Date.now();
        await rotate(context, session, signal);
      },
    });
    context.logger.info('stopped');
    return 0;
  } finally {
    await session.close();
  }
}
