import { MAX_TIMER_MS, parseDuration } from '@mr/node-kit/duration';
import { loadConfig } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import { UsageError } from '../errors.js';
import type { CommandContext } from '../io.js';
import { buildReport } from '../status/status-report.js';
import { renderStatus } from '../status/status-text.js';

/** How often `status --watch` refreshes by default. */
export const WATCH_INTERVAL_MS = 2000;

/** `--interval`: a duration (`2`, `2s`, `0.5`, `1m`) of at least 0.1 s. */
function intervalOf(args: Record<string, unknown>): number {
  if (args.interval === undefined) return WATCH_INTERVAL_MS;
  if (!args.watch) throw new UsageError('--interval is for --watch: status without --watch prints once');
  const ms = parseDuration(args.interval);
  if (ms === undefined || ms < 100 || ms > MAX_TIMER_MS)
    throw new UsageError(
      `--interval takes a duration from 0.1s to 24d (such as 2, 5s or 1m), not ${JSON.stringify(args.interval)}`,
    );
  return ms;
}

/**
 * Prints the launcher state of the data directory for people, or as JSON with `--json`; with `--watch`,
 * again and again until interrupted (see status/watch-loop.ts).
 */
export async function statusHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  const intervalMs = intervalOf(args);
  // status never talks to GitLab, so it works without the management token's variable.
  const config = await loadConfig(context.configFile, { env: context.env, requireManagementToken: false });
  if (args.watch) {
    const { watchStatus } = await import('../status/watch-loop.js');
    return watchStatus(context, config, { intervalMs, json: args.json === true });
  }
  const report = await buildReport(context, config, Date.now());
  context.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  return 0;
}
