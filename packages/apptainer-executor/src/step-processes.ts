import { createHash, randomBytes } from 'node:crypto';
import { listProcesses, processEnvironment, processStat, processUid } from '@mr/node-kit/proc';
import { killProcesses } from '@mr/node-kit/process-tree';
import type { JobEnvironment } from './job-environment.js';
import type { ExecutorSettings } from './setting-keys.js';

/**
 * The variable set on every process a step starts (inherited by what those start), on the host and in the
 * container: `<job key>:<step>`. It finds a step's processes whatever became of their parent, process group
 * or session, and tells them from any other job's.
 */
export const STEP_VARIABLE = 'MR_EXECUTOR_STEP';

/**
 * This job's key on this node, the same in every step of the job: its id, and a hash of the GitLab server and
 * builds directory, so that two runners' jobs with the same id never share one. Read from the environment
 * alone, so that cleanup finds it even when the job description is damaged.
 */
export function jobKey(job: JobEnvironment, settings: ExecutorSettings): string {
  const id = job.jobId();
  const hash = createHash('sha256')
    .update(`${job.env.CUSTOM_ENV_CI_SERVER_URL ?? ''}\0${settings.builds_dir}\0${id}`)
    .digest('hex');
  return `${id}-${hash.slice(0, 12)}`;
}

/** A new marker for one step of the job (`build_script`, `prepare`, ...), unique among its steps. */
export function stepMarker(key: string, step: string): string {
  return `${key}:${step.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomBytes(4).toString('hex')}`;
}

/** The processes of this user, other than this one, whose environment has `variable` with a matching value. */
export function markedProcesses(variable: string, match: (value: string) => boolean): number[] {
  const uid = process.getuid?.();
  const prefix = `${variable}=`;
  const out: number[] = [];
  for (const { pid } of listProcesses()) {
    if (pid === process.pid || (uid !== undefined && processUid(pid) !== uid)) continue;
    const entry = processEnvironment(pid)?.find((e) => e.startsWith(prefix));
    if (entry !== undefined && match(entry.slice(prefix.length))) out.push(pid);
  }
  return out;
}

/**
 * The members of this process's group that started after `since` (a start time, as `processStat` gives
 * it), when this process leads its group as gitlab-runner starts it: what a step left there even without
 * the variable. Started earlier, a member belongs to whoever started this process (a pipeline), not to the
 * step.
 */
function groupMembersSince(since: string | undefined): number[] {
  if (since === undefined || processStat(process.pid)?.pgrp !== process.pid) return [];
  const after = Number(since);
  return listProcesses()
    .filter((p) => p.pgrp === process.pid && p.pid !== process.pid && Number(p.startTime) >= after)
    .map((p) => p.pid);
}

/**
 * Ends what a step left running: every process with this step's marker, and (given the start time of the
 * step's first process) what it left in this process's group. Resolves to the pids it killed.
 */
export function endStepProcesses(marker: string, since?: string): Promise<number[]> {
  return killProcesses(() => [
    ...markedProcesses(STEP_VARIABLE, (v) => v === marker),
    ...groupMembersSince(since),
  ]);
}

/** Ends every process any step of the job left running (cleanup). Resolves to the pids it killed. */
export function endJobProcesses(key: string): Promise<number[]> {
  return killProcesses(() => markedProcesses(STEP_VARIABLE, (v) => v.startsWith(`${key}:`)));
}
