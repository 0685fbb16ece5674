import { basename, dirname, join } from 'node:path';
import { type BatchJobRef, parseBatchJobId } from './batch-job-id.js';
import {
  type BatchStatus,
  type BatchSystem,
  batchJobKey,
  type LaunchTag,
  type LiveBatchJob,
} from './batch-system.js';
import { runStatusCommand } from './status-command.js';

const commentPrefix = 'gitlab-meta-runner ';

/** The `--comment` of a launch: `gitlab-meta-runner name=<name> instance=<instance> jobs=<n> launch=<id>`. */
export function slurmComment(tag: LaunchTag): string {
  return (
    `${commentPrefix}name=${encodeURIComponent(tag.name)} instance=${encodeURIComponent(tag.instance)} ` +
    `jobs=${tag.numJobs} launch=${encodeURIComponent(tag.launchId)}`
  );
}

/** Reads a comment written by {@link slurmComment}; undefined for any other comment. */
export function parseSlurmComment(comment: string): LaunchTag | undefined {
  if (!comment.startsWith(commentPrefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of comment.slice(commentPrefix.length).trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      fields.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
    } catch {
      return undefined;
    }
  }
  const name = fields.get('name');
  const instance = fields.get('instance');
  const launchId = fields.get('launch');
  const numJobs = Number(fields.get('jobs'));
  if (name === undefined || instance === undefined || !launchId || !Number.isInteger(numJobs) || numJobs < 1)
    return undefined;
  return { name, instance, numJobs, launchId };
}

/** The default Slurm job name of a launch: `<name>-<instance>`. */
export function slurmJobName(tag: LaunchTag): string {
  return `${tag.name}-${tag.instance}`;
}

const jobNameArg = /^(-J.*|--job-name(=.*)?)$/;

/**
 * Whether the user already names the job: `-J`/`--job-name` in `[launch] args`, or in a `#SBATCH` line of
 * the batch script's header (sbatch reads those until the first line that is neither a comment nor blank).
 */
export function userSetsJobName(userArgs: readonly string[], stdin: string | undefined): boolean {
  if (userArgs.some((a) => jobNameArg.test(a))) return true;
  if (!stdin) return false;
  for (const raw of stdin.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#!')) continue;
    if (!line.startsWith('#')) break;
    const m = /^#SBATCH\s+(.*)$/.exec(line);
    if (m && m[1]!.split(/\s+/).some((a) => jobNameArg.test(a))) return true;
  }
  return false;
}

export interface SlurmOptions {
  /** The launch executable (its directory is searched first for `squeue` and `scancel`). */
  sbatch: string;
  /** Environment for `squeue` and `scancel`. */
  env: Record<string, string | undefined>;
  /** User whose jobs `squeue` lists. */
  user: string;
  /** Time limit of one `squeue`/`scancel` call (ms). Default 60 s. */
  timeoutMs?: number | undefined;
}

/** Slurm job states in which the job's runner has not started yet. */
const queuedStates = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
  'SPECIAL_EXIT',
]);
/** Slurm job states in which the job's runner runs (or is suspended). */
const runningStates = new Set(['RUNNING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING']);

/** `queued`, `running`, or undefined for states in which the job has ended (or is ending). */
export function slurmJobState(state: string): 'queued' | 'running' | undefined {
  if (queuedStates.has(state)) return 'queued';
  if (runningStates.has(state)) return 'running';
  return undefined;
}

/**
 * Parses `squeue --noheader --format=%i|%T|%k` output (with `CLUSTER: name` lines when `-M` was given).
 * Jobs that have ended or are completing are left out.
 */
export function parseSqueue(output: string): BatchStatus {
  const jobs = new Map<string, LiveBatchJob>();
  let cluster: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const header = /^CLUSTER:\s*(\S+)$/.exec(line);
    if (header) {
      cluster = header[1];
      continue;
    }
    const first = line.indexOf('|');
    const second = first < 0 ? -1 : line.indexOf('|', first + 1);
    if (second < 0) continue;
    const id = line.slice(0, first);
    const state = slurmJobState(line.slice(first + 1, second));
    if (!/^\d/.test(id) || !state) continue;
    const job: LiveBatchJob = { id, cluster, state, tag: parseSlurmComment(line.slice(second + 1)) };
    jobs.set(batchJobKey(job), job);
    // Jobs submitted without a cluster suffix are found by id alone, too.
    if (cluster && !jobs.has(id)) jobs.set(id, job);
  }
  return { jobs };
}

/** Next to an absolute `sbatch`, use the `squeue`/`scancel` of the same installation. */
function sibling(sbatch: string, name: string): string {
  return sbatch.includes('/') && basename(sbatch).startsWith('sbatch') ? join(dirname(sbatch), name) : name;
}

/** Slurm: tags launches, tracks them with `squeue`, cancels them with `scancel`. */
export function slurmBatchSystem(options: SlurmOptions): BatchSystem {
  const squeue = sibling(options.sbatch, 'squeue');
  const scancel = sibling(options.sbatch, 'scancel');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const run = (file: string, args: string[], what: string) =>
    runStatusCommand(file, args, {
      env: options.env,
      timeoutMs,
      failure: `${what} failed: ${file} ${args.join(' ')}`,
      hint: 'Is Slurm reachable from this host (try `squeue`)? Launches keep counting as in flight meanwhile.',
    });
  return {
    kind: 'slurm',
    tracks: true,
    cancels: true,
    tagArgs(tag, userArgs, stdin) {
      const args: string[] = [];
      if (!userSetsJobName(userArgs, stdin)) args.push(`--job-name=${slurmJobName(tag)}`);
      args.push(`--comment=${slurmComment(tag)}`);
      return args;
    },
    parseJobId: (stdout) => parseBatchJobId(stdout, 'slurm'),
    async status(clusters) {
      const format = ['--noheader', `--user=${options.user}`, '--format=%i|%T|%k'];
      const status = parseSqueue(await run(squeue, format, 'squeue'));
      if (clusters.length > 0) {
        const multi = parseSqueue(
          await run(squeue, [`--clusters=${clusters.join(',')}`, ...format], 'squeue'),
        );
        for (const [key, job] of multi.jobs) status.jobs.set(key, job);
      }
      return status;
    },
    async cancel(job: BatchJobRef) {
      const args = job.cluster ? [`--clusters=${job.cluster}`, job.id] : [job.id];
      await run(scancel, args, 'scancel');
    },
  };
}
