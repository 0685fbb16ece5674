import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import {
  type FailureRecord,
  type LaunchRecord,
  type LiveLaunches,
  type LiveLaunchState,
  liveLaunchesFromConfig,
  loadState,
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

/** What `gitlab-meta-runner status` reports (its `--json` document). */
export interface StatusReport {
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
    /**
     * What is known now: the batch job's state (`queued`, `running`, `ended` when no longer listed), or
     * `starting` while no batch job is found and the launch command still runs on this host; absent when the
     * batch system could not be asked or cannot tell.
     */
    live_state?: LiveLaunchState | undefined;
    /**
     * For a `starting` launch: whether its launch command still runs (`unknown`: on another host), and where,
     * once its process was recorded.
     */
    launch_command?:
      | { state: 'running' | 'gone' | 'unknown'; host?: string | undefined; pid?: number | undefined }
      | undefined;
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
  /**
   * Pending jobs the launcher refused in its last cycle because of their resource tags (the launcher keeps
   * the first 100 when there are more).
   */
  refused_jobs: ResourceRunnersFile['refused'];
  /** How many jobs the launcher's last cycle refused. */
  refused_jobs_total: number;
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

/** Reads the data directory of `config` and asks the batch systems; never talks to GitLab. */
export async function buildReport(
  context: CommandContext,
  config: Config,
  now: number,
): Promise<StatusReport> {
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
        launch_command:
          l.phase === 'starting'
            ? { state: live?.commands.get(l.id) ?? 'unknown', host: l.command?.host, pid: l.command?.pid }
            : undefined,
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
    refused_jobs_total: resources.refused_total ?? resources.refused.length,
  };
}
