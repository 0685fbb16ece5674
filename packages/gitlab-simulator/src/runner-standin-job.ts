import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutorJobSession } from './custom-executor-job.js';
import type { CustomExecutorCommands } from './executor-call.js';
import { type ExecutorJobResult, runExecutorJob } from './run-executor-job.js';
import type { RunnerEntry } from './runner-standin-config.js';
import { type JobPayload, stageScript, userStages } from './stage-scripts.js';
import { TraceSender } from './job-trace.js';

/** Settings of one job run that tests may change. */
export interface JobRunSettings {
  /** Between log updates, ms (gitlab-runner: common/consts.go DefaultUpdateInterval, 3 s). */
  updateIntervalMs: number;
  /** Pause between preparation tries, ms (common/build.go PreparationRetryInterval, 3 s). */
  prepareRetryIntervalMs: number;
  /** How the predefined stages call the runner's helpers. */
  runnerCommand: string;
  version: string;
  env: Record<string, string | undefined>;
  /** Benchmarks: time each stage script, to tell the executor's own time from the scripts'. */
  timeScripts?: boolean;
}

/** How a job went, with the time spent in executor calls and, when timed, in the stage scripts. */
export interface StandinJobReport {
  outcome: ExecutorJobResult['outcome'];
  /** Sum of all executor calls' durations, ms. */
  callsMs: number;
  /** Sum of the stage scripts' own run times, ms (0 unless timed). */
  scriptsMs: number;
}

const bold = (text: string) => `\x1b[36;1m${text}\x1b[0;m\n`;

// common/build.go GetStageDescription: the section header the runner prints before each stage.
const descriptions: Record<string, string> = {
  prepare_script: 'Preparing environment',
  get_sources: 'Getting source from Git repository',
  restore_cache: 'Restoring cache',
  download_artifacts: 'Downloading artifacts',
  after_script: 'Running after_script',
  archive_cache: 'Saving cache for successful job',
  archive_cache_on_failure: 'Saving cache for failed job',
  upload_artifacts_on_success: 'Uploading artifacts for successful job',
  upload_artifacts_on_failure: 'Uploading artifacts for failed job',
  cleanup_file_variables: 'Cleaning up project directory and file based variables',
};

/**
 * The shell executor, played as a custom executor: each stage's script runs with bash on the host, and a
 * script that fails is a build failure with the script's exit code (gitlab-runner executors/shell).
 */
const shellExecutor: CustomExecutorCommands = {
  config_exec: '',
  config_args: [],
  prepare_exec: '',
  prepare_args: [],
  run_exec: '/bin/sh',
  run_args: [
    '-c',
    'bash "$1"; c=$?; [ "$c" -eq 0 ] || { echo "$c" > "$BUILD_EXIT_CODE_FILE"; exit 1; }',
    'shell',
  ],
  cleanup_exec: '',
  cleanup_args: [],
};

/**
 * Runs one job taken from GitLab through the runner's `[runners.custom]` commands, streaming its log, and
 * reports the end with `PUT /jobs/:id` (state, exit code, failure reason).
 */
export async function runStandinJob(
  runner: RunnerEntry,
  job: JobPayload,
  settings: JobRunSettings,
  log: (line: string) => void,
): Promise<StandinJobReport> {
  const cancel = new AbortController();
  const trace = new TraceSender({
    url: runner.url,
    jobId: job.id,
    token: job.token,
    userAgent: `gitlab-runner ${settings.version}`,
    onCancelRequested: () => {
      if (!cancel.signal.aborted) {
        log(`Job cancel requested  job=${job.id}`);
        cancel.abort();
      }
    },
  });
  const put = async (body: Record<string, unknown>) => {
    const response = await fetch(`${runner.url}/api/v4/jobs/${job.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'user-agent': `gitlab-runner ${settings.version}` },
      body: JSON.stringify({ token: job.token, ...body }),
    }).catch(() => undefined);
    await response?.body?.cancel();
    return response;
  };
  trace.write(
    `Running with gitlab-runner ${settings.version}\n  on ${runner.name} ${runner.token.slice(0, 8)}, system ID: standin\n`,
  );
  const started = await put({ state: 'running' });
  if (started?.headers.get('job-status') === 'canceling') cancel.abort();

  // Log updates every interval; when nothing new came, a state update keeps the cancel check going
  // (network/trace.go sends on its update interval and "touches" the job when idle).
  const stopTicker = new AbortController();
  const ticker = (async () => {
    while (!stopTicker.signal.aborted) {
      await sleep(settings.updateIntervalMs, undefined, { signal: stopTicker.signal }).catch(() => {});
      if (stopTicker.signal.aborted) break;
      const before = trace.text.length;
      await trace.flush();
      if (trace.text.length === before) {
        const touched = await put({ state: 'running' });
        if (touched?.headers.get('job-status') === 'canceling' && !cancel.signal.aborted) cancel.abort();
      }
    }
  })();

  const variables: Record<string, string> = {};
  for (const v of job.variables) variables[v.key] = v.value;
  Object.assign(variables, runner.environment);
  const projectPath = variables.CI_PROJECT_PATH ?? `project-${job.job_info.project_id ?? 0}`;
  let result: ExecutorJobResult;
  const commands = runner.executor === 'shell' ? shellExecutor : runner.custom;
  if (!commands || (runner.executor !== 'custom' && runner.executor !== 'shell')) {
    trace.write(`ERROR: the stand-in runs the custom and shell executors only, not "${runner.executor}"\n`);
    result = { outcome: 'system_failure', calls: [] };
  } else {
    const env = { ...settings.env };
    const session = new ExecutorJobSession(
      commands,
      { id: job.id, projectPath, variables, response: job },
      {
        env,
        prepareRetryIntervalMs: settings.prepareRetryIntervalMs,
        ...(runner.gracefulKillTimeout === undefined
          ? {}
          : { gracefulKillTimeoutMs: runner.gracefulKillTimeout * 1000 }),
        onOutput: (chunk) => trace.write(chunk),
      },
    );
    if (runner.buildsDir) {
      // A shared builds_dir (the shell executor's) holds `<short token>/<concurrent id>/<project>`
      // (common/build.go ProjectUniqueDir). The stand-in takes the job id as the concurrent id, so that
      // several run-single processes of one runner never share a checkout.
      const shared = runner.executor === 'shell' ? `/${runner.token.slice(0, 8)}/${job.id}` : '';
      session.buildsDir = `${runner.buildsDir}${shared}`;
      session.projectDir = `${session.buildsDir}/${projectPath}`;
    }
    result = await runExecutorJob(session, {
      userStages: userStages(job),
      signal: cancel.signal,
      onStage: (stage) =>
        trace.write(bold(descriptions[stage] ?? `Executing "${stage}" stage of the job script`)),
      script: (stage, status) => {
        const cacheRoot =
          typeof session.config?.cache_dir === 'string' ? session.config.cache_dir : runner.cacheDir;
        // common/build.go: CacheDir is the cache directory joined with the project's unique dir.
        const cacheDir = cacheRoot ? `${cacheRoot}/${projectPath}` : undefined;
        return stageScript(job, stage, status, {
          variables: session.scriptVariables(),
          cacheDir,
          url: runner.url,
          runnerCommand: settings.runnerCommand,
          ...(settings.timeScripts ? { timeScripts: true } : {}),
        });
      },
    });
  }
  const outcome = cancel.signal.aborted && result.outcome !== 'success' ? 'canceled' : result.outcome;
  if (outcome === 'success') trace.write('\x1b[32;1mJob succeeded\x1b[0;m\n');
  else if (outcome === 'canceled') trace.write('\x1b[31;1mERROR: Job failed: canceled\x1b[0;m\n');
  else if (outcome === 'failed')
    trace.write(`\x1b[31;1mERROR: Job failed: exit code ${result.exitCode ?? 1}\x1b[0;m\n`);
  else trace.write('\x1b[31;1mERROR: Job failed (system failure)\x1b[0;m\n');
  stopTicker.abort();
  await ticker;
  await trace.flush();
  // common/network.go failure reasons: script_failure, runner_system_failure, job_canceled.
  const reason = {
    failed: 'script_failure',
    system_failure: 'runner_system_failure',
    canceled: 'job_canceled',
  } as const;
  await put(
    outcome === 'success'
      ? { state: 'success', exit_code: 0 }
      : {
          state: 'failed',
          failure_reason: reason[outcome],
          ...(outcome === 'failed' ? { exit_code: result.exitCode ?? 1 } : {}),
        },
  );
  let scriptsMs = 0;
  for (const call of result.calls) {
    if (call.step !== 'run') continue;
    try {
      scriptsMs += Number(readFileSync(`${call.argv.at(-2)}.ns`, 'utf8')) / 1e6;
    } catch {
      // Not timed, or the script never started.
    }
  }
  return { outcome, callsMs: result.calls.reduce((sum, c) => sum + c.durationMs, 0), scriptsMs };
}
