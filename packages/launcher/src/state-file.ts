import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { LaunchStateError } from './errors.js';
import {
  type CycleSummary,
  emptyState,
  type FailureRecord,
  type LaunchRecord,
  type LaunchState,
  type PickupRecord,
  type ProjectPendingRecord,
  type QueueWaitRecord,
  RECENT_FAILURES_KEPT,
  RECENT_PICKUPS_KEPT,
} from './state.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isIsoDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function isCycleSummary(v: unknown): v is CycleSummary {
  return (
    isObject(v) &&
    isIsoDate(v.at) &&
    isCount(v.pending) &&
    isCount(v.unmatched) &&
    isObject(v.matched) &&
    Object.values(v.matched).every(isCount)
  );
}

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
  need(
    value.projects === undefined ||
      (Array.isArray(value.projects) && value.projects.every((p) => typeof p === 'string')),
    'projects',
    'an array of project paths',
  );
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
    ...(Array.isArray(value.projects) ? { projects: [...(value.projects as string[])] } : {}),
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
    // Figures for `status` only: an entry that is not understood is left out, never an error.
    if (Array.isArray(data.recentPickups))
      state.recentPickups = data.recentPickups
        .filter(
          (r): r is PickupRecord =>
            isObject(r) &&
            isIsoDate(r.at) &&
            typeof r.instance === 'string' &&
            isCount(r.job) &&
            typeof r.seconds === 'number' &&
            r.seconds >= 0,
        )
        .slice(-RECENT_PICKUPS_KEPT)
        .map((r) => ({ at: r.at, instance: r.instance, job: r.job, seconds: r.seconds }));
    if (isCycleSummary(data.lastCycle)) state.lastCycle = data.lastCycle;
    if (Array.isArray(data.projects))
      state.projects = data.projects.filter(
        (r): r is ProjectPendingRecord =>
          isObject(r) &&
          typeof r.project === 'string' &&
          isCount(r.pending) &&
          isCount(r.matched) &&
          isCount(r.unmatched) &&
          isCount(r.launched),
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

/** The JSON text of a state: one launch (and pickup) per line, so the file stays readable and diffs small. */
export function serializeState(state: LaunchState): string {
  const head = {
    version: state.version,
    savedAt: state.savedAt,
    backoff: state.backoff,
    reportedUnmatched: state.reportedUnmatched,
    recentFailures: state.recentFailures,
    refusedTokens: state.refusedTokens,
    ...(state.queueWaits?.length ? { queueWaits: state.queueWaits } : {}),
    ...(state.lastCycle ? { lastCycle: state.lastCycle } : {}),
    ...(state.projects?.length ? { projects: state.projects } : {}),
  };
  const lines = (items: readonly unknown[]) =>
    items.length > 0 ? `\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ` : '';
  const top = JSON.stringify(head, null, 2).slice(0, -2);
  const pickups = state.recentPickups?.length ? `,\n  "recentPickups": [${lines(state.recentPickups)}]` : '';
  return `${top}${pickups},\n  "launches": [${lines(state.launches)}]\n}\n`;
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
