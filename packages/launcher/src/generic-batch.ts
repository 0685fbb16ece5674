import { parseBatchJobId } from './batch-job-id.js';
import type { BatchStatus, BatchSystem, LiveBatchJob } from './batch-system.js';
import { LauncherError } from './errors.js';
import { runStatusCommand } from './status-command.js';

const runningWords = /^(r|run|running|active|executing)$/i;

/**
 * Parses a status command's output: one line per batch job still queued or running, its id first; a second
 * word `R`, `RUN`, `RUNNING`, `ACTIVE` or `EXECUTING` (any case) marks it running, anything else or nothing
 * counts as queued.
 */
export function parseStatusOutput(output: string): BatchStatus {
  const jobs = new Map<string, LiveBatchJob>();
  for (const raw of output.split('\n')) {
    const words = raw.trim().split(/\s+/);
    const id = words[0];
    if (!id) continue;
    const state = words[1] !== undefined && runningWords.test(words[1]) ? 'running' : 'queued';
    jobs.set(id, { id, state });
  }
  return { jobs };
}

export interface GenericBatchOptions {
  /** `[launch] status_command`: prints the batch jobs still queued or running. */
  statusCommand?: readonly string[] | undefined;
  env: Record<string, string | undefined>;
  /** Time limit of one status call (ms). Default 60 s. */
  timeoutMs?: number | undefined;
}

/**
 * Any other batch system (or none): the launch command's last output line is the job id; with a status
 * command, launches count until it stops listing them, otherwise until `pickup_timeout`.
 */
export function genericBatchSystem(options: GenericBatchOptions): BatchSystem {
  const command =
    options.statusCommand && options.statusCommand.length > 0 ? options.statusCommand : undefined;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    kind: 'generic',
    tracks: command !== undefined,
    cancels: false,
    tagArgs: () => [],
    parseJobId: (stdout) => parseBatchJobId(stdout, 'generic'),
    async status() {
      if (!command) return { jobs: new Map() };
      const [file, ...args] = command as [string, ...string[]];
      const stdout = await runStatusCommand(file, args, {
        env: options.env,
        timeoutMs,
        failure: `The status command failed: ${command.join(' ')}`,
        hint: 'Check [launch] status_command. Launches keep counting as in flight meanwhile.',
      });
      return parseStatusOutput(stdout);
    },
    async cancel() {
      throw new LauncherError('MR_LAUNCH_NO_CANCEL', 'Cancelling launches needs batch_system = "slurm"');
    },
  };
}
