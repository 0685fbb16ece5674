import type { ExecutorCall } from './executor-call.js';
import type { ExecutorJobSession } from './custom-executor-job.js';

// The order gitlab-runner runs a job's stages in, and what a failure skips. Source: gitlab-runner v19.4.0
// common/build.go (retryCreateExecutor, executeScript, executePrepareScripts, executeUserScripts,
// executeAfterScript, executeArchiveCache, executeUploadArtifacts, removeFileBasedVariables).

/** What the job's state is when after_script runs (`CI_JOB_STATUS`). */
export type JobStatusForScripts = 'success' | 'failed' | 'canceled';

/**
 * The script of one stage, or undefined when the stage has nothing to do: gitlab-runner then does not call
 * the executor for it at all (common/build.go executeStage, ErrSkipBuildStage).
 */
export type StageScript = (stage: string, status: JobStatusForScripts) => string | undefined;

export interface RunExecutorJobOptions {
  /** The user's stages in order: `build_script` (step_script) and any `step_<name>`. */
  userStages: readonly string[];
  script: StageScript;
  /** Cancels the job (the user pressed "Cancel"): SIGTERM to the running stage, then the on-failure path. */
  signal?: AbortSignal;
  /** Called as each stage starts (the runner prints the stage's section header). */
  onStage?: (stage: string) => void;
}

export interface ExecutorJobResult {
  /** success; failed (a script failed: `exitCode`); system_failure; canceled. */
  outcome: 'success' | 'failed' | 'system_failure' | 'canceled';
  /** The job's exit code as GitLab shows it, for a failed job. */
  exitCode?: number;
  /** The call that was running when the job was cancelled. */
  canceledCall?: ExecutorCall;
  /** The calls that ran, in order. */
  calls: ExecutorCall[];
}

/** What a stage failure means for the job. */
type Failure = { kind: 'build'; exitCode: number } | { kind: 'system' } | { kind: 'canceled' };

/** The sub-stages gitlab-runner runs before the user's scripts (common/build.go executePrepareScripts). */
export const PREPARE_STAGES = [
  'prepare_script',
  'get_sources',
  'restore_cache',
  'download_artifacts',
] as const;

/**
 * Runs a job through a custom executor as gitlab-runner does:
 * - config + prepare, tried up to 3 times on a system failure with cleanup after each failed try and a
 *   pause between (retryCreateExecutor); a build failure there is final;
 * - prepare_script (a failure ends the job at once), get_sources, restore_cache, download_artifacts;
 * - when those passed, the user's stages until one fails or the job is cancelled, then after_script with
 *   CI_JOB_STATUS (its failure does not change the job: AfterScriptIgnoreErrors defaults to true);
 * - archive_cache or archive_cache_on_failure, upload_artifacts_on_success or _on_failure, then
 *   cleanup_file_variables; the first failure decides the job (pickPriorityError);
 * - cleanup_exec at the end, always.
 */
export async function runExecutorJob(
  session: ExecutorJobSession,
  options: RunExecutorJobOptions,
  prepareAttempts = 3,
): Promise<ExecutorJobResult> {
  const result: ExecutorJobResult = { outcome: 'success', calls: session.calls };
  const canceled = () => options.signal?.aborted === true;

  // Preparation (executors/custom: Prepare = config_exec then prepare_exec).
  let prepared = false;
  for (let attempt = 1; attempt <= prepareAttempts && !prepared && !canceled(); attempt++) {
    if (attempt > 1) await session.retryPause();
    const config = await session.runConfig();
    const configKind = session.classify(config);
    const prepare = configKind === 'ok' ? await session.runPrepare() : undefined;
    const kind = prepare ? session.classify(prepare) : configKind;
    if (kind === 'ok') {
      prepared = true;
      break;
    }
    await session.runCleanup();
    if (kind === 'build') {
      // A BuildError is not retried.
      return { ...result, outcome: 'failed', exitCode: session.jobExitCode() };
    }
    result.outcome = 'system_failure';
  }
  if (!prepared) {
    if (canceled()) result.outcome = 'canceled';
    return result;
  }
  result.outcome = 'success';

  let status: JobStatusForScripts = 'success';
  const run = async (stage: string, signal?: AbortSignal): Promise<Failure | undefined> => {
    const script = options.script(stage, status);
    if (script === undefined) return undefined;
    options.onStage?.(stage);
    const call = await session.runStage(stage, script, signal);
    if (signal?.aborted) {
      result.canceledCall = call;
      return { kind: 'canceled' };
    }
    const kind = session.classify(call);
    if (kind === 'ok') return undefined;
    return kind === 'build' ? { kind: 'build', exitCode: session.jobExitCode() } : { kind: 'system' };
  };

  let failure: Failure | undefined;
  // prepare_script: a failure ends the job without the upload stages (executePrepareScripts returns cont=false).
  failure = await run('prepare_script');
  if (!failure && canceled()) failure = { kind: 'canceled' };
  if (failure) {
    await session.runCleanup();
    return finish(result, failure);
  }
  for (const stage of PREPARE_STAGES.slice(1)) {
    if (canceled()) failure = { kind: 'canceled' };
    if (failure) break;
    failure = await run(stage);
  }
  // The user's scripts and after_script run only when the preparation stages passed.
  if (!failure) {
    for (const stage of options.userStages) {
      failure = await run(stage, options.signal);
      if (failure) break;
    }
    status = !failure ? 'success' : failure.kind === 'canceled' ? 'canceled' : 'failed';
    // after_script runs after a failed or cancelled script too; its own failure is ignored.
    await run('after_script');
  }
  status = failure ? (failure.kind === 'canceled' ? 'canceled' : 'failed') : 'success';
  const archive = await run(failure ? 'archive_cache_on_failure' : 'archive_cache');
  const upload = await run(failure ? 'upload_artifacts_on_failure' : 'upload_artifacts_on_success');
  failure ??= archive ?? upload;
  // cleanup_file_variables: a failure is only logged (removeFileBasedVariables).
  await run('cleanup_file_variables');
  await session.runCleanup();
  return finish(result, failure);
}

function finish(result: ExecutorJobResult, failure: Failure | undefined): ExecutorJobResult {
  if (!failure) return { ...result, outcome: 'success' };
  if (failure.kind === 'build') return { ...result, outcome: 'failed', exitCode: failure.exitCode };
  if (failure.kind === 'canceled') return { ...result, outcome: 'canceled' };
  return { ...result, outcome: 'system_failure' };
}
