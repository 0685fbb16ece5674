import { randomBytes } from 'node:crypto';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { type ExecArgsInput, execArguments, execEnvironment, HOST_WRAPPER } from './apptainer.js';
import { type ChildResult, runChild } from './child-process.js';
import { type ContainerTool, resolveContainerTool } from './container-tool.js';
import { ExecutorError } from './errors.js';
import { imagePath } from './image-store.js';
import { markInUse, touchImage } from './image-usage.js';
import { resolveJobImage } from './job-image.js';
import { runsInImage } from './stages.js';
import type { StepContext, StepResult } from './step-context.js';
import { endStepProcesses, jobKey, STEP_VARIABLE, stepMarker } from './step-processes.js';

const isDir = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
const inside = (parent: string, child: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** The working directory of a stage: the project directory once it exists, else the job's directory. */
async function workingDir(context: StepContext, jobDir: string): Promise<string> {
  const project = context.job.variable('CI_PROJECT_DIR');
  if (project && isAbsolute(project) && inside(jobDir, project) && (await isDir(project))) return project;
  return jobDir;
}

/** A bind source apptainer can take: its `--bind` syntax splits on "," and ":". */
function bindPath(path: string, key: string): string {
  if (/[,:]/.test(path)) {
    throw new ExecutorError(
      'MR_EXECUTOR_SETTINGS',
      `${key} ${JSON.stringify(path)} contains "," or ":", which apptainer's --bind cannot take`,
      {
        hint: 'Use a directory whose path has neither "," nor ":".',
      },
    );
  }
  return path;
}

function scriptResult(result: ChildResult, context: StepContext, where: string): StepResult {
  if (result.canceled)
    context.logger.warn(`The job was cancelled; the script ${where} ended with code ${result.code}`);
  return result.code === 0 ? { ok: true } : { ok: false, exitCode: result.code };
}

/** The job's own HOME under its directory (a dot name: no GitLab namespace starts with a dot). */
export const JOB_HOME = '.mr-home';

/**
 * Whether apptainer's failure before the script came from `--writable-tmpfs`: the same container without it
 * starts (`true` as the command). Costs one more `exec`, only after such a failure.
 */
async function refusesWritableTmpfs(
  context: StepContext,
  tool: ContainerTool,
  input: ExecArgsInput,
): Promise<boolean> {
  const args = execArguments(context.settings, tool, input, { writableTmpfs: false });
  const probe = [...args.slice(0, args.indexOf(input.image) + 1), '/bin/true'];
  const silent = { write: () => true };
  const result = await runChild(tool.path, probe, {
    env: execEnvironment(tool, context.env, context.settings),
    cwd: input.pwd,
    io: { stdout: silent, stderr: silent },
    signal: context.signal,
    killTimeout: context.settings.kill_timeout,
  }).catch(() => undefined);
  return result?.code === 0;
}

/**
 * run: runs one sub-stage script. `build_script`, `step_*` and `after_script` (and, with
 * `predefined_stages = "image"`, every stage) run in the job's image with `apptainer exec`; the
 * predefined stages run on the host by default. A script's failure is returned with its exit code; an
 * apptainer failure before the script started (no marker file) throws, as a system failure.
 */
export async function runStep(context: StepContext, script: string, stage: string): Promise<StepResult> {
  const marker = stepMarker(jobKey(context.job, context.settings), stage);
  let since: string | undefined;
  try {
    return await runMarked(context, script, stage, marker, (start) => {
      since = start;
    });
  } finally {
    // What the step left running ends with it: in the image, the PID namespace took it already, unless the
    // node does not allow one; on the host, nothing else would.
    const ended = await endStepProcesses(marker, since);
    if (ended.length > 0)
      context.logger.info(
        `Ended ${ended.length} process${ended.length === 1 ? '' : 'es'} that ${stage} left running`,
      );
  }
}

async function runMarked(
  context: StepContext,
  script: string,
  stage: string,
  marker: string,
  started: (startTime: string | undefined) => void,
): Promise<StepResult> {
  const { settings, job, logger } = context;
  const jobDir = join(settings.builds_dir, job.jobId());
  const cwd = await workingDir(context, jobDir);
  if (!runsInImage(stage, settings.predefined_stages)) {
    const result = await runChild('/bin/sh', ['-c', HOST_WRAPPER, 'sh', script], {
      env: { ...context.env, [STEP_VARIABLE]: marker },
      cwd,
      io: context.io,
      signal: context.signal,
      killTimeout: settings.kill_timeout,
    });
    started(result.startTime);
    return scriptResult(result, context, `of ${stage} on the host`);
  }

  const { image } = resolveJobImage(job, settings);
  const path = imagePath(image, settings);
  if (!(await stat(path).catch(() => undefined))?.isFile()) {
    throw new ExecutorError(
      'MR_EXECUTOR_IMAGE_MISSING',
      `the job's image ${image.source} is missing: ${path} does not exist`,
      {
        hint: 'It was prepared for this job; something removed it since (a cleanup of the image directory?).',
      },
    );
  }
  const tool = await resolveContainerTool(settings.apptainer_executable, {
    env: { ...context.env, [STEP_VARIABLE]: marker },
    cwd: context.cwd,
    host: context.host,
  });
  if (!image.localPath && settings.image_dir) {
    await markInUse(settings.image_dir, image.fileName, context.host, job.jobId()).catch(() => {});
    await touchImage(path);
  }
  const scriptDir = dirname(script);
  const startedFile = join(
    scriptDir,
    `.mr-executor-started-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const binds = [...new Set([bindPath(scriptDir, 'the script directory'), bindPath(jobDir, 'builds_dir')])];
  if (settings.cache_dir && !binds.includes(settings.cache_dir))
    binds.push(bindPath(settings.cache_dir, 'cache_dir'));
  binds.push(...settings.mount);
  const jobHome = join(jobDir, JOB_HOME);
  if (settings.home === 'job') await mkdir(jobHome, { recursive: true });
  const input = { image: path, binds, pwd: cwd, marker: startedFile, script, jobHome };
  const args = execArguments(settings, tool, input);
  logger.debug(`${tool.path} ${args.join(' ')}`);
  let result: ChildResult;
  try {
    result = await runChild(tool.path, args, {
      env: {
        ...execEnvironment(tool, context.env, settings),
        [STEP_VARIABLE]: marker,
        [`${tool.prefix}ENV_${STEP_VARIABLE}`]: marker,
      },
      cwd,
      io: context.io,
      signal: context.signal,
      killTimeout: settings.kill_timeout,
      onForward: (signal) =>
        logger.warn(`Forwarding ${signal} to ${tool.path}; it gets ${settings.kill_timeout / 1000} s to end`),
    });
  } catch (error) {
    throw new ExecutorError(
      'MR_EXECUTOR_APPTAINER_MISSING',
      `cannot run ${tool.path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  started(result.startTime);
  const scriptStarted = await stat(startedFile).then(
    () => true,
    () => false,
  );
  await unlink(startedFile).catch(() => {});
  if (result.code === 0) return { ok: true };
  if (!scriptStarted && !result.canceled) {
    if (settings.writable_tmpfs && (await refusesWritableTmpfs(context, tool, input))) {
      throw new ExecutorError(
        'MR_EXECUTOR_WRITABLE_TMPFS_REFUSED',
        `${tool.path} refused --writable-tmpfs: this node does not allow the overlay it needs ('enable overlay = no' in ${tool.family === 'apptainer' ? 'apptainer' : 'singularity'}.conf, or no overlay support in the kernel)`,
        {
          hint: 'Set writable_tmpfs = false in the executor settings (jobs then cannot write outside their directories, HOME and /tmp), or ask the administrators to enable overlay.',
        },
      );
    }
    throw new ExecutorError(
      'MR_EXECUTOR_APPTAINER_FAILED',
      `${tool.path} exec failed with code ${result.code} before the job's script started (image ${path})`,
      {
        hint: `See ${tool.path}'s messages above; the image may be damaged or a bind path may not exist on this node.`,
      },
    );
  }
  return scriptResult(result, context, `of ${stage} in the image`);
}
