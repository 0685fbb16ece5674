import { loadConfig } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';
import { buildReport } from '../status/status-report.js';
import { renderStatus } from '../status/status-text.js';

/** Prints the launcher state of the data directory for people, or as JSON with `--json`. */
export async function statusHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  // status never talks to GitLab, so it works without the management token's variable.
  const config = await loadConfig(context.configFile, { env: context.env, requireManagementToken: false });
  const report = await buildReport(context, config, Date.now());
  context.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  return 0;
}
