import { startWebhookListener, type WebhookListener } from '@mr/launcher';
import type { CommandContext } from '../io.js';
import { openLaunchSession } from './launch-session.js';
import { rotationCheckMs } from './token-cadence.js';

/**
 * Cycles until SIGINT/SIGTERM, then waits for launches in flight and exits 0: every `[poll] interval` when
 * idle, sooner after launches and while matched jobs wait (`[poll] adaptive`), at once when the optional
 * `[poll.webhook]` listener hears that a job became pending. Renews runner tokens that expire within
 * `rotate_tokens_within` before they do.
 */
export async function runHandler(context: CommandContext): Promise<number> {
  const session = await openLaunchSession(context, 'gitlab-meta-runner run');
  let webhook: WebhookListener | undefined;
  try {
    const { config, launcher } = session;
    const { poll } = config;
    if (poll.webhook) {
      webhook = await startWebhookListener({
        listen: poll.webhook.listen,
        secret: poll.webhook.secret,
        logger: context.logger,
        onJobPending: (jobId) => {
          context.logger.verbose('webhook: a job became pending', { job: jobId });
          launcher.wake(`webhook: job ${jobId} pending`);
        },
      });
      context.logger.info('webhook listener started', { listen: webhook.address });
    }
    context.logger.info('running', {
      interval_s: poll.interval / 1000,
      ...(poll.adaptive ? { fast_interval_s: Math.min(poll.fast_interval, poll.interval) / 1000 } : {}),
      instances: Object.keys(config.runners).length,
    });
    const rotateEveryMs = rotationCheckMs(config.rotate_tokens_within, poll.interval);
    let lastRotation: number | undefined;
    await launcher.run({
      intervalMs: poll.interval,
      pace: { adaptive: poll.adaptive, fastMs: poll.fast_interval },
      rateLimit: () => session.client.rateLimit(),
      signal: session.signal,
      beforeCycle: async (signal) => {
        await session.refreshTokenMetrics(signal);
        if (lastRotation !== undefined && Date.now() - lastRotation < rotateEveryMs) return;
        lastRotation = Date.now();
        await session.renewExpiringTokens(signal);
      },
    });
    context.logger.info('stopped');
    return 0;
  } finally {
    await webhook?.close();
    await session.close();
  }
}
