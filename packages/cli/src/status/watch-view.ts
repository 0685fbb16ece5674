import { lastCycleText, pickupText } from './figures-text.js';
import { age } from './human-age.js';
import type { StatusReport } from './status-report.js';

/** One line of the live view; `tone` colours it on a terminal. */
export interface WatchLine {
  text: string;
  tone?: 'title' | 'bad' | 'warn' | undefined;
}

/** How many recent launch failures the view shows (the state keeps more; `status` lists them all). */
const FAILURES_SHOWN = 5;

type Launch = StatusReport['in_flight'][number];

/** Where a launch is now: what the batch system said just now, else what was last recorded. */
function launchState(x: Launch): string {
  return x.live_state ?? (x.phase === 'starting' ? 'starting' : (x.batch_state ?? 'submitted'));
}

function launcherLine(report: StatusReport): WatchLine {
  const l = report.launcher;
  if (l.running) return { text: `launcher: running (process ${l.pid} on ${l.host})` };
  if (l.stale_reason)
    return { text: `launcher: not running (a stale lock remains: ${l.stale_reason})`, tone: 'warn' };
  return { text: 'launcher: not running', tone: 'warn' };
}

function inFlightLines(report: StatusReport): WatchLine[] {
  const out: WatchLine[] = [];
  const jobs = report.in_flight.reduce((n, x) => n + x.num_jobs, 0);
  out.push({
    text: `in flight: ${report.in_flight.length} runner(s) for up to ${jobs} job(s)`,
    tone: 'title',
  });
  const instances = [
    ...new Set([
      ...report.runners.filter((r) => r.in_config && r.registered).map((r) => r.instance),
      ...report.in_flight.map((x) => x.instance),
    ]),
  ].sort();
  const width = Math.max(0, ...instances.map((i) => i.length));
  for (const instance of instances) {
    const launches = report.in_flight.filter((x) => x.instance === instance);
    const counts = new Map<string, number>();
    for (const x of launches) counts.set(launchState(x), (counts.get(launchState(x)) ?? 0) + 1);
    const states = [...counts].map(([state, n]) => `${state} ${n}`).join(', ');
    out.push({ text: `  ${instance.padEnd(width)}  ${launches.length}${states ? `  (${states})` : ''}` });
  }
  for (const x of report.in_flight) {
    const id = x.batch_job_id ? `batch job ${x.batch_job_id}` : 'no batch job id yet';
    const state = launchState(x);
    out.push({
      text: `    ${x.instance}: ${id}, ${state}, ${age(x.age_seconds)}, job(s) ${x.job_ids.join(', ') || '-'}`,
      tone: state === 'ended' ? 'warn' : undefined,
    });
  }
  for (const check of report.live_check)
    if (!check.ok) out.push({ text: `  could not ask the batch system: ${check.error}`, tone: 'warn' });
  if (report.live_check_skipped && report.in_flight.length > 0)
    out.push({ text: `  (${report.live_check_skipped})` });
  return out;
}

/**
 * The live view of `status --watch`: the launcher and its last cycle, runners in flight per instance and
 * batch state, pickup times, backoff, recent failures, refused tokens, jobs near GitLab's drop, and
 * `notes` (problems reading the data directory). `now` in ms.
 */
export function watchLines(report: StatusReport, now: number, notes: readonly string[] = []): WatchLine[] {
  const out: WatchLine[] = [launcherLine(report)];
  out.push({ text: report.last_cycle ? lastCycleText(report.last_cycle) : 'last cycle: none recorded yet' });
  out.push({ text: '' }, ...inFlightLines(report));

  out.push({ text: '' }, { text: 'pending to launch (recent launched jobs):', tone: 'title' });
  if (report.pickups.length === 0) out.push({ text: '  none recorded yet' });
  for (const p of report.pickups) out.push({ text: `  ${pickupText(p, now)}` });

  if (report.backoff.length > 0) {
    out.push({ text: '' }, { text: 'launch backoff:', tone: 'title' });
    for (const b of report.backoff)
      out.push({
        text: `  ${b.instance}: ${b.failures} failed launch(es) in a row, next try in ${age(b.seconds_left)}`,
        tone: 'warn',
      });
  }

  out.push({ text: '' }, { text: 'recent launch failures:', tone: 'title' });
  const failures = report.recent_failures.slice(-FAILURES_SHOWN).reverse();
  if (failures.length === 0) out.push({ text: '  none' });
  for (const f of failures) {
    const ago = age(Math.max(0, (now - Date.parse(f.at)) / 1000));
    out.push({ text: `  ${ago} ago, ${f.instance}: ${f.message}`, tone: 'bad' });
  }
  if (report.recent_failures.length > FAILURES_SHOWN)
    out.push({
      text: `  (${report.recent_failures.length - FAILURES_SHOWN} older: gitlab-meta-runner status)`,
    });

  const refused = report.runners.filter((r) => r.token_refused);
  if (refused.length > 0 || report.jobs_near_drop.length > 0 || notes.length > 0) out.push({ text: '' });
  for (const r of refused)
    out.push({
      text: `GitLab refuses the runner token of ${r.instance} (since ${r.token_refused!.since}): run gitlab-meta-runner configure`,
      tone: 'bad',
    });
  if (report.jobs_near_drop.length > 0) {
    const first = report.jobs_near_drop[0]!;
    out.push({
      text: `${report.jobs_near_drop.length} job(s) near the time GitLab drops them; first: job ${first.job} (${first.instance}) in ${age(first.seconds_left)}`,
      tone: 'warn',
    });
  }
  for (const note of notes) out.push({ text: note, tone: 'warn' });
  return out;
}
