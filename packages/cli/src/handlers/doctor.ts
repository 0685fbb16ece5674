import type { CommandResult } from '../commands/command.js';
import { renderChecklist } from '../doctor/check.js';
import { runDoctorChecks } from '../doctor/run-doctor.js';
import { EXIT } from '../errors.js';
import type { CommandContext } from '../io.js';

/**
 * Checks the setup and prints the checklist (or JSON with `--json`); with `--batch`, also what a compute
 * node has. Exit 0 only when no check failed.
 */
export async function doctorHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  if (typeof args['node-report'] === 'string') {
    // Inside the probe's batch job, on the compute node.
    const { runNodeProbe } = await import('../doctor/node-probe.js');
    const limit = args['node-time-limit'];
    await runNodeProbe(
      context,
      String(args['node-instance'] ?? ''),
      args['node-report'],
      typeof limit === 'number' && limit > 0 ? limit * 1000 : undefined,
    );
    return EXIT.ok;
  }
  const { list, config } = await runDoctorChecks(context);
  if (args.batch !== undefined && config) {
    const { checkBatchNode } = await import('../doctor/batch-node.js');
    // SIGINT/SIGTERM while the probe job runs: stop waiting and print what was found.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await checkBatchNode(list, config, context, {
        instance: typeof args.batch === 'string' && args.batch !== '' ? args.batch : undefined,
        timeoutMs: ((args['batch-timeout'] as number | undefined) ?? 600) * 1000,
        signal: stop.signal,
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  if (args.json) {
    context.stdout.write(`${JSON.stringify({ ok: !list.failed, checks: list.checks }, null, 2)}\n`);
  } else context.stdout.write(renderChecklist(list.checks));
  return list.failed ? EXIT.failure : EXIT.ok;
}
