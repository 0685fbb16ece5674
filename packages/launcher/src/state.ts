import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { LaunchStateError } from './errors.js';

/** One launch, recorded before its command starts and updated when it ends. */
export interface LaunchRecord {
  /** Unique id of the launch; also in the Slurm job's comment, so the job can be found after a restart. */
  id: string;
  instance: string;
  /** `NUM_JOBS`: how many jobs the launched runner takes at most. */
  numJobs: number;
  /** The pending jobs (GitLab job ids) the launch was planned for. */
  jobIds: number[];
  /** When the launch command started (ISO 8601). */
  launchedAt: string;
  /** `starting` while the launch command runs (or when the launcher stopped during it), then `submitted`. */
  phase: 'starting' | 'submitted';
  /** Batch job id from the launch command's output, when it printed one. */
  batchJobId?: string | undefined;
  /** Slurm cluster from `sbatch --parsable` output (`jobid;cluster`), when there is one. */
  cluster?: string | undefined;
  /** What the batch system last said: `queued` or `running`; absent when unknown. */
  batchState?: 'queued' | 'running' | undefined;
  /** The launch command's process, recorded as soon as it started (a restarted launcher looks for it). */
  command?: LaunchCommandProcess | undefined;
  /**
   * A `starting` launch after a restart: when the launcher first found neither its command running nor its
   * batch job (ISO 8601). It is forgotten once that has lasted the start grace.
   */
  goneSince?: string | undefined;
}

/** Where a launch command runs: enough to tell, after a restart, whether it still does. */
export interface LaunchCommandProcess {
  host: string;
  /** Its process id, which is also its process group (launch commands lead their own group). */
  pid: number;
  /** `/proc/<pid>/stat` start time, which tells a reused pid from the command. */
  startTime?: string | undefined;
}

/** Failure backoff of one instance. */
export interface BackoffRecord {
  /** Failed launches in a row. */
  failures: number;
  /** No launch for the instance before this time (ISO 8601). */
  until: string;
}

/** A failed launch, kept for `gitlab-meta-runner status` (the most recent {@link RECENT_FAILURES_KEPT}). */
export interface FailureRecord {
  /** When the launch failed (ISO 8601). */
  at: string;
  instance: string;
  /** What went wrong, secrets redacted (the first line of the error). */
  message: string;
}

/** A runner token GitLab refuses (`POST /runners/verify` answered 403): the instance launches nothing. */
export interface RefusedTokenRecord {
  /** When the launcher first found the token refused (ISO 8601). */
  since: string;
  /** When it last asked (ISO 8601). */
  checkedAt: string;
}

/** A matched job near the time GitLab drops it (see queue-wait.ts), for the log and `status`. */
export interface QueueWaitRecord {
  job: number;
  instance: string;
  /** The batch job it waits on (`id` or `id;cluster`), when there is a launch for its instance. */
  batchJob?: string | undefined;
  batchState?: 'queued' | 'running' | undefined;
  /** GitLab's `created_at` of the job (ISO 8601). */
  pendingSince: string;
  /** The limit it nears: 1 h (no online runner) or 24 h (any job). */
  limit: '1h' | '24h';
  /** When GitLab drops it at that limit (ISO 8601). */
  dropAt: string;
}

/** How many failed launches the state keeps. */
export const RECENT_FAILURES_KEPT = 20;

/** Everything a launcher remembers between cycles and across restarts: `<data-dir>/<name>.state`. */
export interface LaunchState {
  version: 1;
  /** Launches still counted as in flight. */
  launches: LaunchRecord[];
  /** Instance name → backoff after failed launches. */
  backoff: Record<string, BackoffRecord>;
  /** Pending jobs no instance can take that were already reported (so each is reported once). */
  reportedUnmatched: number[];
  /** The most recent failed launches, oldest first. */
  recentFailures: FailureRecord[];
  /** Instance name → its runner token is refused by GitLab. */
  refusedTokens: Record<string, RefusedTokenRecord>;
  /** Matched jobs near the time GitLab drops them, as of the last cycle. */
  queueWaits?: QueueWaitRecord[] | undefined;
  /** When the state was last saved (ISO 8601). */
  savedAt?: string | undefined;
}

export function emptyState(): LaunchState {
  return {
    version: 1,
    launches: [],
    backoff: {},
    reportedUnmatched: [],
    recentFailures: [],
    refusedTokens: {},
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isIsoDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function checkLaunch(value: unknown, where: string, problems: string[]): LaunchRecord | undefined {
  if (!isObject(value)) {
    problems.push(`${where}: expected an object, found ${JSON.stringify(value)}`);
    return undefined;
  }
  const start = problems.length;
  const need = (ok: boolean, key: string, expected: string) => {
    if (!ok) problems.push(`${where}.${key}: expected ${expected}, found ${JSON.stringify(value[key])}`);
  };
  need(typeof value.id === 'string' && value.id !== '', 'id', 'a non-empty string');
  need(typeof value.instance === 'string', 'instance', 'a string');
  need(isCount(value.numJobs) && value.numJobs > 0, 'numJobs', 'a positive integer');
  need(
    Array.isArray(value.jobIds) && value.jobIds.every((id) => isCount(id)),
    'jobIds',
    'an array of job ids',
  );
  need(isIsoDate(value.launchedAt), 'launchedAt', 'a date');
  need(value.phase === 'starting' || value.phase === 'submitted', 'phase', '"starting" or "submitted"');
  need(value.batchJobId === undefined || typeof value.batchJobId === 'string', 'batchJobId', 'a string');
  need(value.cluster === undefined || typeof value.cluster === 'string', 'cluster', 'a string');
  need(
    value.batchState === undefined || value.batchState === 'queued' || value.batchState === 'running',
    'batchState',
    '"queued" or "running"',
  );
  const command = value.command;
  need(
    command === undefined ||
      (isObject(command) &&
        typeof command.host === 'string' &&
        isCount(command.pid) &&
        (command.startTime === undefined || typeof command.startTime === 'string')),
    'command',
    '{ host, pid, startTime }',
  );
  need(value.goneSince === undefined || isIsoDate(value.goneSince), 'goneSince', 'a date');
  if (problems.length > start) return undefined;
  return {
    id: value.id as string,
    instance: value.instance as string,
    numJobs: value.numJobs as number,
    jobIds: [...(value.jobIds as number[])],
    launchedAt: value.launchedAt as string,
    phase: value.phase as LaunchRecord['phase'],
    batchJobId: value.batchJobId as string | undefined,
    cluster: value.cluster as string | undefined,
    batchState: value.batchState as LaunchRecord['batchState'],
    command: isObject(command)
      ? { host: command.host as string, pid: command.pid as number, startTime: command.startTime as string }
      : undefined,
    goneSince: value.goneSince as string | undefined,
  };
}

/** Checks parsed JSON and returns the state it describes, or throws listing every problem. */
export function parseState(text: string, file: string): LaunchState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new LaunchStateError(
      'MR_LAUNCH_STATE_INVALID',
      `The launch state file ${file} is not valid JSON: ${(cause as Error).message}`,
      {
        file,
        cause,
        hint: 'It is written by gitlab-meta-runner run/run-single. Move it away to start without launch history.',
      },
    );
  }
  const problems: string[] = [];
  const state = emptyState();
  if (!isObject(data)) problems.push(`(top level): expected an object, found ${JSON.stringify(data)}`);
  else {
    if (data.version !== 1) problems.push(`version: expected 1, found ${JSON.stringify(data.version)}`);
    if (!Array.isArray(data.launches))
      problems.push(`launches: expected an array, found ${JSON.stringify(data.launches)}`);
    else
      data.launches.forEach((l, i) => {
        const launch = checkLaunch(l, `launches[${i}]`, problems);
        if (launch) state.launches.push(launch);
      });
    if (data.backoff !== undefined) {
      if (!isObject(data.backoff)) problems.push('backoff: expected an object');
      else
        for (const [name, b] of Object.entries(data.backoff)) {
          if (isObject(b) && isCount(b.failures) && isIsoDate(b.until))
            state.backoff[name] = { failures: b.failures, until: b.until };
          else problems.push(`backoff.${name}: expected { failures, until }, found ${JSON.stringify(b)}`);
        }
    }
    if (data.reportedUnmatched !== undefined) {
      if (Array.isArray(data.reportedUnmatched) && data.reportedUnmatched.every((id) => isCount(id)))
        state.reportedUnmatched = [...(data.reportedUnmatched as number[])];
      else problems.push('reportedUnmatched: expected an array of job ids');
    }
    if (data.recentFailures !== undefined) {
      const ok = (f: unknown): f is FailureRecord =>
        isObject(f) && isIsoDate(f.at) && typeof f.instance === 'string' && typeof f.message === 'string';
      if (Array.isArray(data.recentFailures) && data.recentFailures.every(ok))
        state.recentFailures = data.recentFailures.slice(-RECENT_FAILURES_KEPT).map((f) => ({ ...f }));
      else problems.push('recentFailures: expected an array of { at, instance, message }');
    }
    if (data.refusedTokens !== undefined) {
      if (!isObject(data.refusedTokens)) problems.push('refusedTokens: expected an object');
      else
        for (const [name, r] of Object.entries(data.refusedTokens)) {
          if (isObject(r) && isIsoDate(r.since) && isIsoDate(r.checkedAt))
            state.refusedTokens[name] = { since: r.since, checkedAt: r.checkedAt };
          else
            problems.push(`refusedTokens.${name}: expected { since, checkedAt }, found ${JSON.stringify(r)}`);
        }
    }
    if (Array.isArray(data.queueWaits))
      state.queueWaits = data.queueWaits.filter(
        (r): r is QueueWaitRecord =>
          isObject(r) && isCount(r.job) && typeof r.instance === 'string' && isIsoDate(r.dropAt),
      );
    if (isIsoDate(data.savedAt)) state.savedAt = data.savedAt;
  }
  if (problems.length > 0)
    throw new LaunchStateError(
      'MR_LAUNCH_STATE_INVALID',
      `The launch state file ${file} is not valid (${problems.length} problem(s))`,
      {
        file,
        details: problems,
        hint: 'It is written by gitlab-meta-runner run/run-single. Move it away to start without launch history.',
      },
    );
  return state;
}

/** Reads the launch state; a missing file is an empty state. */
export async function loadState(file: string): Promise<LaunchState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new LaunchStateError(
      'MR_LAUNCH_STATE_IO',
      `Cannot read the launch state file ${file}: ${(cause as Error).message}`,
      { file, cause },
    );
  }
  return parseState(text, file);
}

/** The JSON text of a state: one launch per line, so the file stays readable and diffs stay small. */
export function serializeState(state: LaunchState): string {
  const head = {
    version: state.version,
    savedAt: state.savedAt,
    backoff: state.backoff,
    reportedUnmatched: state.reportedUnmatched,
    recentFailures: state.recentFailures,
    refusedTokens: state.refusedTokens,
    ...(state.queueWaits?.length ? { queueWaits: state.queueWaits } : {}),
  };
  const launches = state.launches.map((l) => `    ${JSON.stringify(l)}`).join(',\n');
  const top = JSON.stringify(head, null, 2).slice(0, -2);
  return `${top},\n  "launches": [${launches ? `\n${launches}\n  ` : ''}]\n}\n`;
}

/** Writes the launch state atomically (temporary file in the same directory, then rename), mode 0600. */
export async function saveState(file: string, state: LaunchState, now = new Date()): Promise<void> {
  state.savedAt = now.toISOString();
  try {
    await writeFileAtomic(file, serializeState(state), { mode: 0o600 });
  } catch (cause) {
    throw new LaunchStateError(
      'MR_LAUNCH_STATE_IO',
      `Cannot write the launch state file ${file}: ${(cause as Error).message}`,
      { file, cause },
    );
  }
}
