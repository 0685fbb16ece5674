import { lastCycleText, pickupText } from './figures-text.js';
import { age } from './human-age.js';
import { projectLines } from './project-status.js';
import type { StatusReport } from './status-report.js';

/** Refused jobs listed by `status`; the rest are counted. */
const REFUSED_JOBS_SHOWN = 10;

function liveText(launch: StatusReport['in_flight'][number]): string {
  const state = launch.live_state;
  const command = launch.launch_command;
  if (state === 'starting')
    return `; now: its launch command still runs${command?.pid ? ` (process ${command.pid} on ${command.host})` : ''}, no batch job carries its launch id yet`;
  if (state === 'ended' && launch.phase === 'starting')
    return '; now: its launch command ended and no batch job carries its launch id (the launcher forgets it)';
  if (state === 'ended') return '; now: no longer in the batch queue (ended)';
  if (state === undefined && command?.state === 'unknown')
    return `; now: cannot tell from here whether its launch command${command.host ? ` on ${command.host}` : ''} still runs`;
  if (state === undefined) return '';
  return `; now: ${state}`;
}

/** The report for people. */
export function renderStatus(report: StatusReport, now = Date.now()): string {
  const lines: string[] = [];
  lines.push(`config ${report.config_file} (name "${report.name}"), data directory ${report.data_dir}`);
  lines.push(
    report.state_file_age_seconds === undefined
      ? `launch state: none yet (${report.state_file} does not exist: nothing was launched)`
      : `launch state: ${report.state_file}, last changed ${age(report.state_file_age_seconds)} ago`,
  );
  const l = report.launcher;
  if (l.running) {
    lines.push(`launcher: running, process ${l.pid} on ${l.host}${l.since ? ` since ${l.since}` : ''}`);
  } else if (l.stale_reason) {
    lines.push(`launcher: not running (a stale lock remains: ${l.stale_reason})`);
  } else {
    lines.push('launcher: not running');
  }
  if (report.last_cycle) lines.push(lastCycleText(report.last_cycle));

  lines.push('');
  const byInstance = new Map<string, StatusReport['in_flight']>();
  for (const launch of report.in_flight) {
    byInstance.set(launch.instance, [...(byInstance.get(launch.instance) ?? []), launch]);
  }
  const jobs = report.in_flight.reduce((n, x) => n + x.num_jobs, 0);
  lines.push(`runners in flight: ${report.in_flight.length} (for up to ${jobs} jobs)`);
  for (const [instance, launches] of byInstance) {
    lines.push(`  ${instance}: ${launches.length}`);
    for (const x of launches) {
      const state = x.phase === 'starting' ? 'launch command running' : (x.batch_state ?? 'submitted');
      const id = x.batch_job_id ? `batch job ${x.batch_job_id}` : 'no batch job id';
      lines.push(
        `    ${id}, ${state}, ${age(x.age_seconds)} old, ${x.num_jobs} job(s): ${x.job_ids.join(', ') || '-'}${x.projects?.length ? ` (${x.projects.join(', ')})` : ''}${liveText(x)}`,
      );
    }
  }

  for (const check of report.live_check) {
    const what = check.kind === 'slurm' ? 'Slurm queue (squeue)' : 'batch system (status_command)';
    lines.push(
      check.ok
        ? `  ${what}: asked just now for ${check.instances.join(', ')}`
        : `  ${what}: could not ask, so the runners above are as last recorded: ${check.error}`,
    );
  }
  if (report.live_check_skipped && report.in_flight.length > 0)
    lines.push(`  (as last recorded: ${report.live_check_skipped})`);
  else if (report.live_check.length === 0 && report.in_flight.length > 0)
    lines.push('  (as last recorded: no batch system here can tell which still run)');

  if (report.pickups.length > 0) {
    lines.push('', 'pending to launch (the recent launched jobs):');
    for (const p of report.pickups) lines.push(`  ${pickupText(p, now)}`);
  }

  if (report.backoff.length > 0) {
    lines.push('', 'launch backoff:');
    for (const b of report.backoff) {
      lines.push(
        `  ${b.instance}: ${b.failures} failed launch(es) in a row, next try in ${age(b.seconds_left)}`,
      );
    }
  }
  if (report.recent_failures.length > 0) {
    lines.push('', 'recent launch failures:');
    for (const f of report.recent_failures) lines.push(`  ${f.at} ${f.instance}: ${f.message}`);
  }

  lines.push(...projectLines(report));

  if (report.jobs_near_drop.length > 0) {
    lines.push('', 'jobs near the time GitLab drops them (as of the last cycle):');
    for (const w of report.jobs_near_drop) {
      const on = w.batchJob
        ? `waits on batch job ${w.batchJob}${w.batchState ? ` (${w.batchState})` : ''}`
        : 'no launch in flight';
      const rule = w.limit === '1h' ? 'at 1 h unless a runner that can take it is online' : 'at 24 h';
      lines.push(
        `  job ${w.job}${w.project ? ` of ${w.project}` : ''} (${w.instance}) pending since ${w.pendingSince}, ${on}; dropped ${rule}: ${w.dropAt}`,
      );
    }
  }

  lines.push('', 'registered runners:');
  if (report.runners.length === 0) lines.push('  none');
  for (const r of report.runners) {
    let text: string;
    if (!r.registered) text = 'not registered: run `gitlab-meta-runner configure`';
    else {
      text = `runner id ${r.id}`;
      if (r.expires_in_seconds === undefined) text += ', token does not expire';
      else if (r.expires_in_seconds <= 0) text += `, token EXPIRED at ${r.token_expires_at}: run configure`;
      else text += `, token expires ${r.token_expires_at} (in ${age(r.expires_in_seconds)})`;
      if (r.token_refused)
        text += `; GitLab REFUSES its token (since ${r.token_refused.since}, last checked ${r.token_refused.checked_at}): nothing is launched for it; run \`gitlab-meta-runner configure\``;
      if (!r.in_config) text += '; not in the config any more: `configure` deletes it';
    }
    lines.push(`  ${r.instance}: ${text}`);
  }
  lines.push(...resourceLines(report));
  return `${lines.join('\n')}\n`;
}

function resourceLines(report: StatusReport): string[] {
  const lines: string[] = [];
  if (report.resource_runners.length > 0) {
    lines.push('', 'resource runners (registered by run for sets of resource tags):');
    for (const r of report.resource_runners)
      lines.push(
        `  ${r.name}: instance ${r.instance}, tags ${r.tags.join(', ')}${r.maximum_timeout ? `, maximum_timeout ${r.maximum_timeout} s` : ''}, last used ${r.last_used_at}`,
      );
  }
  if (report.refused_jobs.length > 0) {
    const total = Math.max(report.refused_jobs_total, report.refused_jobs.length);
    lines.push('', `refused jobs (never launched): ${total}`);
    for (const j of report.refused_jobs.slice(0, REFUSED_JOBS_SHOWN))
      lines.push(`  job ${j.job} (tags ${j.tags.join(', ')}): ${j.reason}`);
    if (total > REFUSED_JOBS_SHOWN)
      lines.push(
        `  ... and ${total - REFUSED_JOBS_SHOWN} more (\`status --json\` lists ${report.refused_jobs.length}; the log of \`run\` counts them per reason)`,
      );
  }
  return lines;
}
