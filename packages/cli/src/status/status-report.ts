import { stat } from 'node:fs/promises';
import {
  type FailureRecord,
  type LaunchRecord,
  type LiveLaunchState,
  loadState,
  type PickupRecord,
  type QueueWaitRecord,
} from '@mr/launcher';
import {
  type Config,
  type ResourceRunnersFile,
  readResourceRunners,
  readTokens,
  resourceRunnersPath,
  statePath,
  type TokensFile,
  tokensFilePath,
} from '@mr/runner-config';
import type { CommandContext } from '../io.js';
import { seconds } from './human-age.js';
import { type LauncherHolder, readHolder } from './launcher-holder.js';
import { alwaysAsk, type LiveCheck } from './live-check.js';
import { type PickupSummary, summarisePickups } from './pickup-summary.js';
import { type ProjectsReport, projectsReport } from './project-status.js';

/** What `gitlab-meta-runner status` reports (its `--json` document). */
export interface StatusReport extends ProjectsReport {
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
  /** Why the batch systems were not asked (the launches are then as last recorded). */
  live_check_skipped?: string | undefined;
  launcher: LauncherHolder;
  /** The pending jobs as the launcher's last cycle read them. */
  last_cycle?:
    | {
        at: string;
        age_seconds: number;
        pending: number;
        matched: Record<string, number>;
        unmatched: number;
      }
    | undefined;
  in_flight: Array<{
    instance: string;
    batch_job_id?: string | undefined;
    phase: LaunchRecord['phase'];
    batch_state?: LaunchRecord['batchState'];
    num_jobs: number;
    job_ids: number[];
    /** The projects of the jobs it was planned for. */
    projects?: string[] | undefined;
    launched_at: string;
    age_seconds: number;
    /**
     * What is known now: the batch job's state (`queued`, `running`, `ended` when no longer listed), or
     * `starting` while no batch job is found and the launch command still runs on this host; absent when the
     * batch system could not be asked or cannot tell.
     */
    live_state?: LiveLaunchState | undefined;
    /**
     * For a `starting` launch: whether its launch command still runs (`unknown`: on another host; absent when
     * not looked for), and where, once its process was recorded.
     */
    launch_command?:
      | { state?: 'running' | 'gone' | 'unknown'; host?: string | undefined; pid?: number | undefined }
      | undefined;
  }>;
  backoff: Array<{ instance: string; failures: number; until: string; seconds_left: number }>;
  recent_failures: FailureRecord[];
  /** Per instance: the pickup times (pending to launch) of the recent launched jobs the state keeps. */
  pickups: PickupSummary[];
  /** Those pickup times, oldest first. */
  recent_pickups: PickupRecord[];
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
  /**
   * Pending jobs the launcher refused in its last cycle because of their resource tags (the launcher keeps
   * the first 100 when there are more).
   */
  refused_jobs: ResourceRunnersFile['refused'];
  /** How many jobs the launcher's last cycle refused. */
  refused_jobs_total: number;
}

/** How a report is made; the defaults are those of `status`. */
export interface ReportOptions {
  /** How the batch systems are asked; default every time. */
  live?: LiveCheck | undefined;
  /** Where problems reading the data directory go; default the logger's warnings. */
  warn?: ((message: string) => void) | undefined;
}

/** Reads the data directory of `config` and asks the batch systems; never talks to GitLab. */
export async function buildReport(
  context: CommandContext,
  config: Config,
  now: number,
  options: ReportOptions = {},
): Promise<StatusReport> {
  const warn = options.warn ?? ((message: string) => context.logger.warn(message));
  const stateFile = statePath(context.dataDir, config.name);
  const [state, tokens, launcher, stateMtime] = await Promise.all([
    loadState(stateFile),
    readTokens(tokensFilePath(context.dataDir, config.name)).catch((error: Error): TokensFile => {
      warn(`registered runners not shown: ${error.message}`);
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
      warn(`resource runners not shown: ${error.message}`);
      return { runners: {}, refused: [] };
    },
  );
  const { live, skipped } = await (options.live ?? alwaysAsk(context, config))({
    records: state.launches,
    tokens,
    launcherRunning: launcher.running,
    warn,
  });
  const cycle = state.lastCycle;
  const names = [...new Set([...Object.keys(config.runners), ...Object.keys(tokens)])].sort();
  return {
    config_file: context.configFile,
    name: config.name,
    data_dir: context.dataDir,
    state_file: stateFile,
    state_saved_at: state.savedAt,
    state_file_age_seconds: stateMtime === undefined ? undefined : seconds(now - stateMtime),
    live_check: (live?.systems ?? []).map((s) => ({ ...s, ok: s.error === undefined })),
    live_check_skipped: skipped,
    launcher,
    last_cycle: cycle ? { ...cycle, age_seconds: seconds(now - Date.parse(cycle.at)) } : undefined,
    in_flight: state.launches
      .map((l) => ({
        instance: l.instance,
        batch_job_id: l.batchJobId,
        phase: l.phase,
        batch_state: l.batchState,
        num_jobs: l.numJobs,
        job_ids: l.jobIds,
        projects: l.projects,
        launched_at: l.launchedAt,
        age_seconds: seconds(now - Date.parse(l.launchedAt)),
        live_state: live?.launches.get(l.id),
        launch_command:
          l.phase === 'starting'
            ? { state: live?.commands.get(l.id), host: l.command?.host, pid: l.command?.pid }
            : undefined,
      }))
      .sort((a, b) => a.instance.localeCompare(b.instance) || a.launched_at.localeCompare(b.launched_at)),
    backoff: Object.entries(state.backoff)
      .map(([instance, b]) => ({ instance, ...b, seconds_left: seconds(Date.parse(b.until) - now) }))
      .filter((b) => b.seconds_left > 0),
    recent_failures: state.recentFailures,
    pickups: summarisePickups(state.recentPickups ?? []),
    recent_pickups: state.recentPickups ?? [],
    ...projectsReport(config, state),
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
    refused_jobs_total: resources.refused_total ?? resources.refused.length,
  };
}
