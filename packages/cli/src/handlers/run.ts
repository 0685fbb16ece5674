import type { CommandContext } from '../io.js';
import { openLaunchSession } from './launch-session.js';

/**
 * How often `run` checks for runner tokens about to expire: a quarter of `rotate_tokens_within`, at least
 * every poll interval and at most every hour.
 */
export function rotationCheckMs(rotateWithin: number, pollInterval: number): number {
  return Math.min(3_600_000, Math.max(pollInterval, rotateWithin / 4));
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
        await session.renewExpiringTokens(signal);
      },
    });
    context.logger.info('stopped');
    return 0;
  } finally {
    await session.close();
  }
}
