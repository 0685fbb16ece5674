import { join } from 'node:path';
import type { JobStatusForScripts } from './run-executor-job.js';

// The per-stage bash scripts a runner hands to `run_exec`, from the job GitLab sent (POST /jobs/request).
// What each stage does follows gitlab-runner v19.4.0 shells/abstract.go (get_sources with the fetch
// strategy, cache-extractor / cache-archiver with `<cache dir>/<key>/cache.zip`, artifacts-uploader per
// artifact, nothing to do = no call) and shells/bash.go (a bash script that exports the job's variables).

/** The parts of the job response the scripts use. */
export interface JobPayload {
  id: number;
  token: string;
  job_info: { name: string; project_id?: number };
  git_info: { repo_url: string; ref: string; sha: string; depth?: number };
  steps: Array<{ name: string; script: string[]; when?: string; allow_failure?: boolean }>;
  variables: Array<{ key: string; value: string }>;
  cache?: Array<{ key?: string; paths?: string[]; policy?: string; when?: string }>;
  artifacts?: Array<{
    name?: string;
    paths?: string[];
    when?: string;
    artifact_type?: string;
    artifact_format?: string;
  }>;
}

export interface StageScriptContext {
  /** Variables the script exports (the job's plus CI_BUILDS_DIR / CI_PROJECT_DIR). */
  variables: Record<string, string>;
  /** Where caches go: the executor's cache_dir (config output or [[runners]] cache_dir), joined with the project path. */
  cacheDir: string | undefined;
  /** GitLab's URL as the runner knows it. */
  url: string;
  /** How the scripts call the runner's own helper commands (cache-archiver, artifacts-uploader). */
  runnerCommand: string;
  /** Benchmarks: each script writes its own run time (ns) to `<script>.ns`. */
  timeScripts?: boolean;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const bold = (text: string) => `echo ${quote(`\x1b[32;1m${text}\x1b[0;m`)}`;

/** The user's stages: `step_script` is called `build_script` by the custom executor; other steps keep `step_<name>`. */
export function userStages(job: JobPayload): string[] {
  return job.steps
    .filter((s) => s.name !== 'after_script')
    .map((s) => (s.name === 'script' ? 'build_script' : `step_${s.name.toLowerCase()}`));
}

function header(context: StageScriptContext, cdProject: boolean): string {
  const exports = Object.entries(context.variables)
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join('\n');
  // The clock is /proc/uptime (10 ms steps): busybox's date, in the isolated images, has no %N. The
  // computation runs in a subshell, so that a clock it cannot read never changes the script's exit code.
  const uptime = `read -r __mr_up _ < /proc/uptime && echo "\${__mr_up%.*}\${__mr_up#*.}"`;
  const timing = context.timeScripts
    ? `__mr_t0=$(${uptime}) 2>/dev/null; trap '(__mr_t1=$(${uptime}) && echo $(( (__mr_t1 - __mr_t0) * 10000000 )) > "$0.ns") 2>/dev/null' EXIT\n`
    : '';
  return `#!/usr/bin/env bash\n${timing}set -eo pipefail\n${exports}\n${cdProject ? 'cd "$CI_PROJECT_DIR"\n' : ''}`;
}

/** Every command echoed as `$ command` (bold green), then run; `set -e` ends the script at the first failure. */
function commands(lines: readonly string[]): string {
  return lines.map((line) => `${bold(`$ ${line}`)}\n${line}`).join('\n');
}

function cacheKey(job: JobPayload, key: string | undefined): string {
  // shells/abstract.go newCacheConfig: the default key is `<job name>/<ref>`.
  return key && key !== '' ? key : `${job.job_info.name}/${job.git_info.ref}`;
}

/** The cache entries a stage acts on: `when` (on_success default, on_failure, always) and `policy` (pull-push). */
function caches(job: JobPayload, push: boolean, status: JobStatusForScripts) {
  return (job.cache ?? []).filter((c) => {
    if ((c.paths ?? []).length === 0) return false;
    const policy = c.policy ?? 'pull-push';
    if (push ? policy === 'pull' : policy === 'push') return false;
    if (!push) return true;
    const when = c.when ?? 'on_success';
    return when === 'always' || (when === 'on_success') === (status === 'success');
  });
}

function artifacts(job: JobPayload, status: JobStatusForScripts) {
  return (job.artifacts ?? []).filter((a) => {
    if ((a.paths ?? []).length === 0) return false;
    const when = a.when ?? 'on_success';
    return when === 'always' || (when === 'on_success') === (status === 'success');
  });
}

/** The script of one stage, or undefined when gitlab-runner would skip it. */
export function stageScript(
  job: JobPayload,
  stage: string,
  status: JobStatusForScripts,
  context: StageScriptContext,
): string | undefined {
  const runner = quote(context.runnerCommand);
  switch (stage) {
    case 'prepare_script':
      return `${header(context, false)}echo "Running on $(hostname)..."\n`;
    case 'get_sources': {
      const git = job.git_info;
      // The fetch strategy (GIT_STRATEGY=fetch): init or reuse, set the remote, fetch the ref, check out the sha.
      return `${header(context, false)}echo ${quote(`Fetching changes with git depth set to ${git.depth ?? 20}...`)}
mkdir -p "$CI_PROJECT_DIR"
cd "$CI_PROJECT_DIR"
[ -d .git ] || git init -q
git remote remove origin 2>/dev/null || true
git remote add origin ${quote(git.repo_url)}
git fetch -q --depth ${git.depth ?? 20} origin ${quote(`+refs/heads/${git.ref}:refs/remotes/origin/${git.ref}`)}
echo ${quote(`Checking out ${git.sha.slice(0, 8)} as detached HEAD (ref is ${git.ref})...`)}
git -c advice.detachedHead=false checkout -f -q ${quote(git.sha)}
git clean -ffdxq ${caches(job, false, status)
        .flatMap((c) => c.paths ?? [])
        .map((p) => `-e ${quote(p)}`)
        .join(' ')}
echo "Skipping Git submodules setup"
`;
    }
    case 'restore_cache': {
      const list = caches(job, false, status);
      if (list.length === 0 || !context.cacheDir) return undefined;
      const body = list
        .map((c) => {
          const key = cacheKey(job, c.key);
          const file = join(context.cacheDir!, key, 'cache.zip');
          return `echo ${quote(`Checking cache for ${key}...`)}\n${runner} cache-extractor --file ${quote(file)} --timeout 10 || echo ${quote(`WARNING: Failed to extract cache ${key}`)}`;
        })
        .join('\n');
      return `${header(context, true)}${body}\n`;
    }
    case 'download_artifacts':
      // The simulator's jobs have no `dependencies`: nothing to download.
      return undefined;
    case 'after_script': {
      const step = job.steps.find((s) => s.name === 'after_script');
      if (!step || step.script.length === 0) return undefined;
      return `${header(context, true)}export CI_JOB_STATUS=${status}\n${commands(step.script)}\n`;
    }
    case 'archive_cache':
    case 'archive_cache_on_failure': {
      const list = caches(job, true, status);
      if (list.length === 0 || !context.cacheDir) return undefined;
      const body = list
        .map((c) => {
          const key = cacheKey(job, c.key);
          const file = join(context.cacheDir!, key, 'cache.zip');
          const paths = (c.paths ?? []).map((p) => `--path ${quote(p)}`).join(' ');
          return `echo ${quote(`Creating cache ${key}...`)}\n${runner} cache-archiver --file ${quote(file)} --timeout 10 ${paths}`;
        })
        .join('\n');
      return `${header(context, true)}${body}\n`;
    }
    case 'upload_artifacts_on_success':
    case 'upload_artifacts_on_failure': {
      const list = artifacts(job, status);
      if (list.length === 0) return undefined;
      const body = list
        .map((a) => {
          const paths = (a.paths ?? []).map((p) => `--path ${quote(p)}`).join(' ');
          const name = a.name ? ` --name ${quote(a.name)}` : '';
          // shells/abstract.go writeUploadArtifact: --artifact-format and --artifact-type as the job says.
          const format = a.artifact_format ? ` --artifact-format ${quote(a.artifact_format)}` : '';
          const type = a.artifact_type ? ` --artifact-type ${quote(a.artifact_type)}` : '';
          return `${runner} artifacts-uploader --url ${quote(context.url)} --token "$CI_JOB_TOKEN" --id ${job.id}${format}${type}${name} ${paths}`;
        })
        .join('\n');
      return `${header(context, true)}echo "Uploading artifacts..."\n${body}\n`;
    }
    case 'cleanup_file_variables':
      // The simulator's jobs have no file-type variables: nothing to remove.
      return undefined;
    default: {
      const name = stage === 'build_script' ? 'script' : stage.replace(/^step_/, '');
      const step = job.steps.find((s) => s.name.toLowerCase() === name);
      if (!step) return undefined;
      return `${header(context, true)}${commands(step.script)}\n`;
    }
  }
}
