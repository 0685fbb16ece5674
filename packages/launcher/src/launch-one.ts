import { mkdir } from 'node:fs/promises';
import type { BatchSystem } from './batch-system.js';
import { LaunchCommandError } from './errors.js';
import { launchFields } from './in-flight.js';
import type { LauncherCore } from './launcher-core.js';
import type { LaunchFailure } from './cycle-result.js';
import { commandProcess, LAUNCH_ID_VARIABLE } from './launch-command-check.js';
import type { LaunchSettings } from './launcher-options.js';
import { redactText as redact } from '@mr/node-kit/redact';
import { type ProcessResult, runProcess } from './run-process.js';
import type { LaunchRecord } from './state.js';

function firstLines(text: string, max = 20): string[] {
  const lines = text.trimEnd().split('\n');
  return lines.length <= max ? lines : [...lines.slice(0, max), `... ${lines.length - max} more line(s)`];
}

/**
 * The launch executable does not exist (ENOENT: the workdir was created before, so it is the executable). A
 * bare name is looked up in the launcher's PATH, which the message shows; a path is used as it is.
 */
function notFoundError(
  executable: string,
  path: string | undefined,
  stdout: string,
  stderr: string,
): LaunchCommandError {
  const bare = !executable.includes('/');
  return new LaunchCommandError(
    'MR_LAUNCH_SPAWN',
    bare
      ? `The launch executable "${executable}" was not found in PATH (${path || 'PATH is empty'})`
      : `The launch executable ${executable} does not exist`,
    {
      stdout,
      stderr,
      hint: bare
        ? `install ${executable} or add its directory to the PATH of gitlab-meta-runner (a service manager often sets a short PATH), or set [launch] executable to its absolute path`
        : 'fix [launch] executable: it must name an executable file',
    },
  );
}

/**
 * Runs the launch command of one launch and records its batch job id in `record`: undefined on success,
 * the failure (logged with the command's first lines of output), or `unknown` when `force` stopped it.
 */
export async function launchOne(
  core: LauncherCore,
  record: LaunchRecord,
  force: AbortSignal,
): Promise<LaunchFailure | 'unknown' | undefined> {
  const { logger, options } = core;
  const secrets = core.secrets;
  const fail = (error: LaunchCommandError): LaunchFailure => {
    const fields = {
      instance: record.instance,
      num_jobs: record.numJobs,
      ...(record.projects?.length ? { projects: record.projects.join(',') } : {}),
      code: error.code,
    };
    logger.error(error.message, {
      ...fields,
      exit_code: error.exitCode,
      signal: error.signal,
      hint: error.hint,
    });
    if (error.stdout.trim()) for (const line of firstLines(error.stdout)) logger.error(`  stdout: ${line}`);
    if (error.stderr.trim()) for (const line of firstLines(error.stderr)) logger.error(`  stderr: ${line}`);
    return { instance: record.instance, numJobs: record.numJobs, error };
  };
  let settings: LaunchSettings;
  let system: BatchSystem;
  try {
    settings = options.launchSettings(record.instance, record.numJobs);
    system = core.systems.for(record.instance);
  } catch (error) {
    return fail(
      new LaunchCommandError(
        'MR_LAUNCH_SETTINGS',
        `The [launch] settings of instance ${record.instance} do not expand: ${redact((error as Error).message, secrets)}`,
        { cause: error },
      ),
    );
  }
  const tag = {
    name: options.settings.name,
    instance: record.instance,
    numJobs: record.numJobs,
    launchId: record.id,
  };
  const args = [...system.tagArgs(tag, settings.args, settings.stdin), ...settings.args];
  if (settings.workdir) {
    try {
      await mkdir(settings.workdir, { recursive: true });
    } catch (error) {
      return fail(
        new LaunchCommandError(
          'MR_LAUNCH_SPAWN',
          `Cannot create the launch workdir ${settings.workdir}: ${(error as Error).message}`,
          { cause: error },
        ),
      );
    }
  }
  logger.debug('launching', {
    instance: record.instance,
    num_jobs: record.numJobs,
    executable: settings.executable,
  });
  const timeoutMs = options.settings.timeoutMs;
  const run: ProcessResult = await runProcess({
    file: settings.executable,
    args,
    cwd: settings.workdir,
    input: settings.stdin,
    // The launch id reaches the command and everything it starts, so a restarted launcher can find them.
    env: { ...core.env(), [LAUNCH_ID_VARIABLE]: record.id },
    timeoutMs,
    killGraceMs: options.killGraceMs,
    cancelSignal: force,
    onSpawn: (pid) => {
      record.command = commandProcess(pid);
      void core.saveQuietly();
    },
  });
  record.command = undefined;
  if (run.cancelled) {
    logger.warn(
      'stopped a launch command still running at shutdown; it is looked for again at the next start',
      { instance: record.instance, launch: record.id },
    );
    return 'unknown';
  }
  const stdout = redact(run.stdout, secrets);
  const stderr = redact(run.stderr, secrets);
  const command = redact(`${settings.executable}`, secrets);
  if (run.spawnError) {
    if ((run.spawnError as NodeJS.ErrnoException).code === 'ENOENT')
      return fail(notFoundError(command, core.env().PATH, stdout, stderr));
    return fail(
      new LaunchCommandError(
        'MR_LAUNCH_SPAWN',
        `Cannot start the launch command ${command}: ${redact(run.spawnError.message, secrets)}`,
        { stdout, stderr, hint: 'Check [launch] executable and workdir, and PATH.' },
      ),
    );
  }
  if (run.timedOut)
    return fail(
      new LaunchCommandError(
        'MR_LAUNCH_TIMEOUT',
        `The launch command ${command} did not finish within ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped with its child processes`,
        { exitCode: run.exitCode, signal: run.signal, stdout, stderr },
      ),
    );
  if (run.exitCode !== 0)
    return fail(
      new LaunchCommandError(
        'MR_LAUNCH_FAILED',
        `The launch command ${command} failed with ${run.exitCode === undefined ? `signal ${run.signal}` : `exit code ${run.exitCode}`}`,
        { exitCode: run.exitCode, signal: run.signal, stdout, stderr },
      ),
    );
  const ref = system.parseJobId(run.stdout);
  record.phase = 'submitted';
  if (ref) {
    record.batchJobId = ref.id;
    record.cluster = ref.cluster;
    if (system.tracks) record.batchState = 'queued';
    logger.verbose('launched', launchFields(record));
  } else {
    logger.warn(
      system.kind === 'slurm'
        ? 'sbatch printed no job id; the launch is found again by its comment, or forgotten if Slurm does not list it'
        : `the launch command printed no job id; the launch counts as in flight for pickup_timeout (${Math.round(options.settings.pickupTimeoutMs / 1000)} s)`,
      {
        instance: record.instance,
        num_jobs: record.numJobs,
        stdout: stdout.trim().slice(-200) || undefined,
      },
    );
  }
  return undefined;
}
