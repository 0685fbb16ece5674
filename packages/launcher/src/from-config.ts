import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { GitLabClient, type GitLabClientOptions } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import {
  type Config,
  generatedConfigPath,
  gitlabBaseUrl,
  instantiateLaunch,
  readResourceRunners,
  readTokens,
  resourceRunnersPath,
  statePath,
  tokensFilePath,
} from '@mr/runner-config';
import { BatchSystems } from './batch-systems.js';
import { LauncherError } from './errors.js';
import { Launcher, type LauncherOptions, type LaunchSettings } from './launcher.js';
import { checkLiveLaunches, type LiveLaunches } from './live-launches.js';
import type { LauncherObserver } from './observer.js';
import { pendingJobSource } from './pending-source.js';
import type { PlanInstance } from './plan.js';
import type { ResourceRunnerSync } from './resource-cycle.js';
import type { ResourceInstance, ResourceSet } from './resources.js';
import { launchEnvironment } from './launch-environment.js';
import type { LaunchRecord } from './state.js';
import type { RunnerTokenSource } from './token-check.js';

export interface OpenLauncherOptions {
  config: Config;
  dataDir: string;
  /** `--generated-config-file`; default `<data-dir>/<name>.gitlab-config.toml`. */
  generatedConfigFile?: string | undefined;
  /** `$THIS`: the path of the running `gitlab-meta-runner`. */
  thisPath: string;
  env: Record<string, string | undefined>;
  /** Home directory for `~`; default from `HOME`. */
  home?: string | undefined;
  logger?: Logger | undefined;
  /** A client to use instead of one made from `hostname` and `management_token`. */
  client?: GitLabClient | undefined;
  /** The command line, shown to a second launcher that finds the lock taken. */
  command?: string | undefined;
  /** Without the lock, to look only (see {@link LauncherOptions.readOnly}). */
  readOnly?: boolean | undefined;
  /** Told what each cycle saw and did (metrics). */
  observer?: LauncherObserver | undefined;
  /** Told of every GitLab answer's status (metrics); only for the client made here. */
  onGitLabResponse?: GitLabClientOptions['onResponse'];
  /** Passed on to {@link Launcher}. */
  overrides?: Partial<
    Pick<LauncherOptions, 'stopGraceMs' | 'killGraceMs' | 'lockRefreshMs' | 'lockStaleMs' | 'user' | 'now'>
  > & { tokenCheckIntervalMs?: number | undefined };
  /** Makes the registry of resource runners (with the launcher's GitLab client). */
  resourceRunners?: ((client: GitLabClient) => ResourceRunnerSync) | undefined;
}

/** The per-instance planning settings of a config. */
export function planInstances(config: Config): Array<PlanInstance & Pick<ResourceInstance, 'resources'>> {
  const groupSize = config.launch?.group_size ?? 1;
  return Object.entries(config.runners).map(([name, r]) => ({
    name,
    tags: r.tags,
    runUntagged: r.run_untagged,
    launchPriority: r.launch_priority,
    maxInFlight: r.max_in_flight,
    groupSize,
    resources: r.resources,
  }));
}

/** `[launch]` of an instance for a number of jobs, instantiated; throws when its templates do not expand. */
function launchSettingsOf(
  config: Config,
  context: { thisPath: string; env: Record<string, string | undefined>; home: string; configPath: string },
  sets?: ReadonlyMap<string, Pick<ResourceSet, 'instance' | 'resources'>>,
): (instance: string, numJobs: number) => LaunchSettings {
  return (name, numJobs) => {
    // A resource runner launches with its instance's [launch], its name as $NAME and its resource values.
    const set = Object.hasOwn(config.runners, name) ? undefined : sets?.get(name);
    const l = instantiateLaunch(config, set?.instance ?? name, {
      ...context,
      numJobs,
      ...(set ? { runnerName: name, resources: set.resources } : {}),
    });
    return {
      executable: l.executable,
      args: l.args,
      workdir: l.workdir,
      stdin: l.stdin,
      statusCommand: l.status_command,
      batchSystem: l.batch_system,
    };
  };
}

/**
 * What the batch systems of a config's instances (Slurm's `squeue`, a generic `status_command`) say now
 * about recorded launches: see {@link checkLiveLaunches}. Needs no token and takes no lock; undefined when
 * the config has no `[launch]`. `secrets` are kept out of the commands' environment.
 */
export async function liveLaunchesFromConfig(
  options: Pick<
    OpenLauncherOptions,
    'config' | 'dataDir' | 'generatedConfigFile' | 'thisPath' | 'env' | 'home'
  > & {
    records: readonly LaunchRecord[];
    secrets?: readonly string[] | undefined;
  },
): Promise<LiveLaunches | undefined> {
  const { config, env } = options;
  if (!config.launch) return undefined;
  const registry = await readResourceRunners(resourceRunnersPath(options.dataDir, config.name)).catch(() => ({
    runners: {},
  }));
  const launchSettings = launchSettingsOf(
    config,
    {
      thisPath: options.thisPath,
      env,
      home: options.home ?? env.HOME ?? homedir(),
      configPath: generatedConfigPath(options.dataDir, config.name, options.generatedConfigFile),
    },
    new Map(Object.entries(registry.runners)),
  );
  const systems = new BatchSystems(
    {
      settings: { batchSystem: config.launch.batch_system, instances: planInstances(config) },
      launchSettings,
      env,
    },
    launchEnvironment(env, options.secrets ?? []),
  );
  return checkLiveLaunches(systems, options.records);
}

/**
 * Opens a {@link Launcher} for a config: checks that `configure` has run (tokens and generated config
 * exist), makes the GitLab client, takes the data directory's lock and loads the launch state. Instances
 * without a registered runner are left out with a warning. Throws `MR_LAUNCH_NO_LAUNCH_SECTION` without `[launch]`,
 * `MR_LAUNCH_NOT_CONFIGURED` before `configure`, `MR_LAUNCH_LOCKED` when another launcher runs (not with
 * `readOnly`, which takes no lock).
 */
export async function openLauncher(
  options: OpenLauncherOptions,
): Promise<{ launcher: Launcher; client: GitLabClient }> {
  const { config, dataDir, env } = options;
  const logger = options.logger ?? silentLogger;
  const launch = config.launch;
  if (!launch) {
    throw new LauncherError(
      'MR_LAUNCH_NO_LAUNCH_SECTION',
      'The config has no [launch] section, so nothing can be launched',
      { hint: 'add a [launch] section; gitlab-meta-runner show-example-config shows one for Slurm' },
    );
  }
  const configPath = generatedConfigPath(dataDir, config.name, options.generatedConfigFile);
  const tokensFile = tokensFilePath(dataDir, config.name);
  const tokens = await readTokens(tokensFile);
  if (!existsSync(configPath) || Object.keys(tokens).length === 0) {
    throw new LauncherError(
      'MR_LAUNCH_NOT_CONFIGURED',
      `No runner is configured yet: ${existsSync(configPath) ? tokensFile : configPath} does not exist`,
      {
        hint: 'run `gitlab-meta-runner configure` first: it registers the runners and writes the gitlab-runner config',
      },
    );
  }
  const registered = planInstances(config).filter((instance) => {
    if (tokens[instance.name]) return true;
    logger.warn(
      'runner instance is not registered; it is not launched (run `gitlab-meta-runner configure`)',
      {
        instance: instance.name,
      },
    );
    return false;
  });
  const home = options.home ?? env.HOME ?? homedir();
  const client =
    options.client ??
    new GitLabClient({
      baseUrl: gitlabBaseUrl(config.hostname),
      token: config.management_token,
      logger,
      onResponse: options.onGitLabResponse,
    });
  const listPendingJobs = pendingJobSource(client, config, logger);
  // Resource runners registered before (their launches may still be in flight), then those seen from now on.
  const resourceSets = new Map<string, ResourceSet>();
  const registry = await readResourceRunners(resourceRunnersPath(dataDir, config.name));
  for (const [name, entry] of Object.entries(registry.runners))
    resourceSets.set(name, { name, instance: entry.instance, resources: entry.resources, tags: entry.tags });
  const launchSettings = launchSettingsOf(
    config,
    { thisPath: options.thisPath, env, home, configPath },
    resourceSets,
  );
  const secrets = [config.management_token, ...Object.values(tokens).map((t) => t.token)];
  const { tokenCheckIntervalMs, ...overrides } = options.overrides ?? {};
  const runnerTokens: RunnerTokenSource = {
    tokens: async () =>
      Object.fromEntries(Object.entries(await readTokens(tokensFile)).map(([name, t]) => [name, t.token])),
    verify: async (token, signal) => (await client.verifyRunner(token, { signal })) !== null,
    intervalMs: tokenCheckIntervalMs,
  };
  const launcher = await Launcher.open({
    settings: {
      name: config.name,
      instances: registered,
      batchSystem: launch.batch_system,
      timeoutMs: launch.timeout,
      cancelStale: launch.cancel_stale,
      pickupTimeoutMs: launch.pickup_timeout,
      maxInFlight: launch.max_in_flight,
      concurrency: launch.concurrency,
      maxLaunchesPerCycle: launch.max_launches_per_cycle,
      failureBackoffMs: launch.failure_backoff,
      keepAliveMs: config.poll.keep_alive,
    },
    launchSettings,
    listPendingJobs,
    stateFile: statePath(dataDir, config.name),
    env,
    secrets,
    runnerTokens,
    logger,
    command: options.command,
    readOnly: options.readOnly,
    observer: options.observer,
    resourceSets,
    resourceRunners: options.resourceRunners?.(client),
    ...overrides,
  });
  return { launcher, client };
}
