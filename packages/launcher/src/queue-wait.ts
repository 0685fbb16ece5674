import type { Logger } from '@mr/logger';
import { batchJobKey } from './batch-system.js';
import type { LaunchRecord, QueueWaitRecord } from './state.js';

// GitLab drops a pending job that no online runner can take once it is older than an hour, and every pending
// job older than a day: BUILD_PENDING_STUCK_TIMEOUT = 1.hour and BUILD_PENDING_OUTDATED_TIMEOUT = 1.day in
// app/services/ci/stuck_builds/drop_pending_service.rb (gitlabhq commit 30428b11a8); "online" is a runner
// contacted within ONLINE_CONTACT_TIMEOUT = 2.hours (app/models/ci/runner.rb).

/** GitLab drops a pending job after this long when no online runner can take it. */
export const STUCK_LIMIT_MS = 3_600_000;
/** GitLab drops every job still pending after this long. */
export const OUTDATED_LIMIT_MS = 86_400_000;
/** A job is reported as near a limit once it has waited this share of it. */
export const NEAR_LIMIT_SHARE = 0.75;

/** A pending job matched to an instance, with GitLab's `created_at`. */
export interface WaitingJob {
  id: number;
  instance: string;
  /** The path of the job's project, when known. */
  project?: string | undefined;
  createdAt: string | null | undefined;
}

/** The batch job a matched job waits on: the launch planned for it, else the instance's oldest launch. */
function launchFor(job: WaitingJob, launches: readonly LaunchRecord[]): LaunchRecord | undefined {
  const own = launches.filter((l) => l.instance === job.instance);
  return own.find((l) => l.jobIds.includes(job.id)) ?? own[0];
}

function batchJobName(record: LaunchRecord | undefined): string | undefined {
  if (!record) return undefined;
  return record.batchJobId
    ? batchJobKey({ id: record.batchJobId, cluster: record.cluster })
    : `launch ${record.id}`;
}

/** Matched jobs that have waited at least {@link NEAR_LIMIT_SHARE} of the limit GitLab applies to them next. */
export function jobsNearLimits(
  jobs: readonly WaitingJob[],
  launches: readonly LaunchRecord[],
  now: Date,
): QueueWaitRecord[] {
  const near: QueueWaitRecord[] = [];
  for (const job of jobs) {
    const created = job.createdAt ? Date.parse(job.createdAt) : Number.NaN;
    if (Number.isNaN(created)) continue;
    const age = now.getTime() - created;
    const limitMs = age < STUCK_LIMIT_MS ? STUCK_LIMIT_MS : OUTDATED_LIMIT_MS;
    if (age < limitMs * NEAR_LIMIT_SHARE) continue;
    const launch = launchFor(job, launches);
    near.push({
      job: job.id,
      instance: job.instance,
      ...(job.project ? { project: job.project } : {}),
      batchJob: batchJobName(launch),
      batchState: launch?.batchState,
      pendingSince: new Date(created).toISOString(),
      limit: limitMs === STUCK_LIMIT_MS ? '1h' : '24h',
      dropAt: new Date(created + limitMs).toISOString(),
    });
  }
  return near;
}

/** Warns once per job and limit about jobs near a limit; `previous` are the records of the last cycle. */
export function reportNearLimits(
  near: readonly QueueWaitRecord[],
  previous: readonly QueueWaitRecord[],
  logger: Logger,
): void {
  const known = new Set(previous.map((r) => `${r.job} ${r.limit}`));
  for (const r of near) {
    if (known.has(`${r.job} ${r.limit}`)) continue;
    const waitsOn = r.batchJob
      ? `waits on batch job ${r.batchJob}${r.batchState ? ` (${r.batchState})` : ''}`
      : 'has no launch in flight';
    const rule =
      r.limit === '1h'
        ? 'GitLab drops it at 1 h unless a runner that can take it is online'
        : 'GitLab drops every job still pending at 24 h';
    const of = r.project ? ` of ${r.project}` : '';
    logger.warn(`job ${r.job}${of} pending since ${r.pendingSince} ${waitsOn}; ${rule} (at ${r.dropAt})`, {
      job: r.job,
      ...(r.project ? { project: r.project } : {}),
      instance: r.instance,
      ...(r.batchJob ? { batch_job: r.batchJob } : {}),
      code: 'MR_LAUNCH_JOB_NEAR_DROP',
    });
  }
}

/** Instances with matched jobs pending while at least one of their launches is not running yet. */
export function instancesWaitingBehindQueue(
  jobs: readonly WaitingJob[],
  launches: readonly LaunchRecord[],
): Map<string, number> {
  const queued = new Set(launches.filter((l) => l.batchState !== 'running').map((l) => l.instance));
  const waiting = new Map<string, number>();
  for (const job of jobs)
    if (queued.has(job.instance)) waiting.set(job.instance, (waiting.get(job.instance) ?? 0) + 1);
  return waiting;
}
