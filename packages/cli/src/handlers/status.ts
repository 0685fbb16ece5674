import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import {
  type FailureRecord,
  type LaunchRecord,
  type LiveLaunches,
  liveLaunchesFromConfig,
  loadState,
  type QueueWaitRecord,
} from '@mr/launcher';
import { lockStaleReason, readLockOwner } from '@mr/node-kit/lock';
import {
  type Config,
  loadConfig,
  type ResourceRunnersFile,
  readResourceRunners,
  readTokens,
  resourceRunnersPath,
  statePath,
  type TokensFile,
  tokensFilePath,
} from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import type { CommandContext } from '../io.js';

/** Who holds the data directory's launcher lock, as far as its lock file tells. */
interface LauncherHolder {
  running: boolean;
  host?: string | undefined;
  pid?: number | undefined;
  since?: string | undefined;
  refreshed_seconds_ago?: number | undefined;
  stale_reason?: string | undefined;
}

interface StatusReport {
  config_file: string;
  name: string;
  data_dir: string;
  state_file: string;
  state_saved_at?: string | undefined;
  /** How old the state file is (its last change); absent when there is none yet. */
  state_file_age_seconds?: number | undefined;
  /** The batch systems asked now (Slurm's squeue, a generic status_command), and whether they answered. */
  live_check: Array<{
    kind: 'slurm' | 'generic';
    instances: string[];
    ok: boolean;
    error?: string | undefined;
  }>;
  launcher: LauncherHolder;
  in_flight: Array<{
    instance: string;
    batch_job_id?: string | undefined;
    phase: LaunchRecord['phase'];
    batch_state?: LaunchRecord['batchState'];
    num_jobs: number;
    job_ids: number[];
    launched_at: string;
    age_seconds: number;
    /** What the batch system says now; absent when it could not be asked or cannot tell. */
    live_state?: 'queued' | 'running' | 'ended' | undefined;
  }>;
  backoff: Array<{ instance: string; failures: number; until: string; seconds_left: number }>;
  recent_failures: FailureRecord[];
  /** Matched jobs near the time GitLab drops them (1 h without an online runner, 24 h in any case). */
  jobs_near_drop: Array<QueueWaitRecord & { seconds_left: number }>;
  runners: Array<{
    instance: string;
    id?: number | undefined;
    in_config: boolean;
    registered: boolean;
    token_expires_at?: string | undefined;
    expires_in_seconds?: number | undefined;
    /** Set while GitLab refuses the runner's token (the launcher found it and launches nothing for it). */
    token_refused?: { since: string; checked_at: string } | undefined;
  }>;
  /** Runners `run` registered for sets of resource tags (docs/resources.md). */
  resource_runners: Array<{ name: string } & ResourceRunnersFile['runners'][string]>;
  /** Pending jobs the launcher refused in its last cycle because of their resource tags. */
  refused_jobs: ResourceRunnersFile['refused'];
}

async function readHolder(lockFile: string, now: number): Promise<LauncherHolder> {
  const info = await stat(lockFile).catch(() => undefined);
  if (!info) return { running: false };
  // A lock file that names no holder is judged by its age alone.
  const holder = await readLockOwner(lockFile);
  const reason = lockStaleReason(holder, info.mtimeMs, 60_000, now);
  return {
    running: reason === undefined,
    host: holder?.host,
    pid: holder?.pid,
    since: holder?.since || undefined,
    refreshed_seconds_ago: Math.max(0, Math.round((now - info.mtimeMs) / 1000)),
    stale_reason: reason,
  };
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

/**
 * Asks the batch systems (squeue for Slurm) which recorded launches still run. Never fails the command: a
 * batch system that cannot be asked is reported as such, and the recorded state is shown as it is.
 */
async function checkLive(
  context: CommandContext,
  config: Config,
  records: readonly LaunchRecord[],
  tokens: TokensFile,
): Promise<LiveLaunches | undefined> {
  try {
    return await liveLaunchesFromConfig({
      config,
      dataDir: context.dataDir,
      generatedConfigFile: context.generatedConfigFile,
      thisPath: context.thisPath,
      env: context.env,
      home: context.env.HOME || homedir(),
      records,
      secrets: [config.management_token, ...Object.values(tokens).map((t) => t.token)].filter(
        (s): s is string => typeof s === 'string' && s !== '',
      ),
    });
  } catch (error) {
    context.logger.warn(`could not ask the batch system: ${(error as Error).message}`);
    return undefined;
  }
}

async function buildReport(context: CommandContext, config: Config, now: number): Promise<StatusReport> {
  const stateFile = statePath(context.dataDir, config.name);
  const [state, tokens, launcher, stateMtime] = await Promise.all([
    loadState(stateFile),
    readTokens(tokensFilePath(context.dataDir, config.name)).catch((error: Error): TokensFile => {
      context.logger.warn(`registered runners not shown: ${error.message}`);
      return {};
    }),
    readHolder(`${stateFile}.lock`, now),
    stat(stateFile).then(
      (s) => s.mtimeMs,
      () => undefined,
    ),
  ]);
  const resources = await readResourceRunners(resourceRunnersPath(context.dataDir, config.name)).catch(
    (error: Error): ResourceRunnersFile => {
      context.logger.warn(`resource runners not shown: ${error.message}`);
      return { runners: {}, refused: [] };
    },
  );
  const live = await checkLive(context, config, state.launches, tokens);
  const names = [...new Set([...Object.keys(config.runners), ...Object.keys(tokens)])].sort();
  return {
    config_file: context.configFile,
    name: config.name,
    data_dir: context.dataDir,
    state_file: stateFile,
    state_saved_at: state.savedAt,
    state_file_age_seconds: stateMtime === undefined ? undefined : seconds(now - stateMtime),
    live_check: (live?.systems ?? []).map((s) => ({ ...s, ok: s.error === undefined })),
    launcher,
    in_flight: state.launches
      .map((l) => ({
        instance: l.instance,
        batch_job_id: l.batchJobId,
        phase: l.phase,
        batch_state: l.batchState,
        num_jobs: l.numJobs,
        job_ids: l.jobIds,
        launched_at: l.launchedAt,
        age_seconds: seconds(now - Date.parse(l.launchedAt)),
        live_state: live?.launches.get(l.id),
      }))
      .sort((a, b) => a.instance.localeCompare(b.instance) || a.launched_at.localeCompare(b.launched_at)),
    backoff: Object.entries(state.backoff)
      .map(([instance, b]) => ({ instance, ...b, seconds_left: seconds(Date.parse(b.until) - now) }))
      .filter((b) => b.seconds_left > 0),
    recent_failures: state.recentFailures,
    jobs_near_drop: (state.queueWaits ?? []).map((w) => ({
      ...w,
      seconds_left: seconds(Date.parse(w.dropAt) - now),
    })),
    runners: names.map((instance) => {
      const token = Object.hasOwn(tokens, instance) ? tokens[instance] : undefined;
      const expires = token?.token_expires_at;
      const refused = Object.hasOwn(state.refusedTokens, instance)
        ? state.refusedTokens[instance]
        : undefined;
      return {
        instance,
        id: token?.id,
        in_config:
          Object.hasOwn(config.runners, instance) ||
          Object.hasOwn(config.runners, resources.runners[instance]?.instance ?? ''),
        registered: token !== undefined,
        token_expires_at: expires,
        expires_in_seconds: expires ? Math.round((Date.parse(expires) - now) / 1000) : undefined,
        token_refused: refused ? { since: refused.since, checked_at: refused.checkedAt } : undefined,
      };
    }),
    resource_runners: Object.entries(resources.runners).map(([name, entry]) => ({ name, ...entry })),
    refused_jobs: resources.refused,
  };
}

/** A duration for people: the two largest units, e.g. `9d23h`, `2m5s`, `40s`. */
function age(total: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(total));
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length > 0 && parts.length < 2)) {
      if (parts.length < 2) parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}

function liveText(state: StatusReport['in_flight'][number]['live_state']): string {
  if (state === undefined) return '';
  if (state === 'ended') return '; now: no longer in the batch queue (ended)';
  return `; now: ${state}`;
}

function render(report: StatusReport): string {
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
        `    ${id}, ${state}, ${age(x.age_seconds)} old, ${x.num_jobs} job(s): ${x.job_ids.join(', ') || '-'}${liveText(x.live_state)}`,
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
  if (report.live_check.length === 0 && report.in_flight.length > 0)
    lines.push('  (as last recorded: no batch system here can tell which still run)');

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

  if (report.jobs_near_drop.length > 0) {
    lines.push('', 'jobs near the time GitLab drops them (as of the last cycle):');
    for (const w of report.jobs_near_drop) {
      const on = w.batchJob
        ? `waits on batch job ${w.batchJob}${w.batchState ? ` (${w.batchState})` : ''}`
        : 'no launch in flight';
      const rule = w.limit === '1h' ? 'at 1 h unless a runner that can take it is online' : 'at 24 h';
      lines.push(
        `  job ${w.job} (${w.instance}) pending since ${w.pendingSince}, ${on}; dropped ${rule}: ${w.dropAt}`,
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
    lines.push('', 'refused jobs (never launched):');
    for (const j of report.refused_jobs)
      lines.push(`  job ${j.job} (tags ${j.tags.join(', ')}): ${j.reason}`);
  }
  return lines;
}

/** Prints the launcher state of the data directory for people, or as JSON with `--json`. */
export async function statusHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  // status never talks to GitLab, so it works without the management token's variable.
  const config = await loadConfig(context.configFile, { env: context.env, requireManagementToken: false });
  const report = await buildReport(context, config, Date.now());
  context.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
  return 0;
}
