import type { CycleResult, DryRunLaunch } from '@mr/launcher';
import type { LockOwner } from '@mr/node-kit/lock';
import { EXIT } from '../errors.js';
import type { CommandContext } from '../io.js';
import { openLaunchSession } from './launch-session.js';

/** One cycle: poll, match, plan, launch, save. Exit 1 when a launch failed. */
export async function runSingleHandler(
  context: CommandContext,
  args: Record<string, unknown> = {},
): Promise<number> {
  const dryRun = args['dry-run'] === true;
  const session = await openLaunchSession(
    context,
    dryRun ? 'gitlab-meta-runner run-single --dry-run' : 'gitlab-meta-runner run-single',
    { readOnly: dryRun },
  );
  try {
    // Tokens about to expire are renewed first, so that the cycle's token check sees the new ones.
    if (!dryRun) await session.renewExpiringTokens(session.signal);
    const result = await session.launcher.cycle(session.signal, { dryRun });
    if (dryRun) {
      context.stdout.write(renderDryRun(result, session.launcher.holder));
      return result.dryRun?.some((l) => l.error) ? EXIT.failure : EXIT.ok;
    }
    return result.failed > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await session.close();
  }
}

/** A word as a POSIX shell would need it, so that a shown command line can be pasted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function renderLaunch(launch: DryRunLaunch): string[] {
  const lines = [`  ${launch.instance}: ${launch.numJobs} job(s): ${launch.jobIds.join(', ')}`];
  if (launch.error) return [...lines, `    [launch] does not expand: ${launch.error}`];
  lines.push(`    command: ${[launch.executable, ...launch.args].map(shellWord).join(' ')}`);
  if (launch.workdir) lines.push(`    workdir: ${launch.workdir}`);
  if (launch.stdin !== undefined) {
    lines.push('    script on standard input:');
    for (const line of launch.stdin.replace(/\n$/, '').split('\n')) lines.push(`      ${line}`);
  }
  return lines;
}

/** Who runs beside the dry run: the holder of the data directory's launcher lock. */
function renderHolder(holder: LockOwner | undefined): string {
  if (!holder) return 'no launcher runs for this data directory';
  const what = holder.purpose ? `\`${holder.purpose}\`` : 'a launcher';
  return `${what} runs for this data directory (process ${holder.pid} on ${holder.host}${holder.since ? `, since ${holder.since}` : ''}): read its launch state as last saved, without its lock; what it launches meanwhile is not shown`;
}

/** What a dry run found and would launch, for people. */
function renderDryRun(result: CycleResult, holder: LockOwner | undefined): string {
  const launches = result.dryRun ?? [];
  const matched = Object.entries(result.matched)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const lines = [
    'dry run: nothing was launched, nothing was cancelled, the launch state was not changed',
    renderHolder(holder),
    `pending jobs: ${result.pending} (matched: ${matched || 'none'}; matching no instance: ${result.unmatched})`,
    `runners in flight: ${result.inFlight}`,
    launches.length === 0 ? 'would launch nothing' : `would launch ${launches.length} runner(s):`,
    ...launches.flatMap(renderLaunch),
  ];
  return `${lines.join('\n')}\n`;
}
