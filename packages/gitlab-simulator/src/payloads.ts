import {
  ACCESS_LEVELS,
  type SimGroup,
  type SimJob,
  type SimProject,
  type SimRole,
  type SimRunner,
} from './model.js';
import type { SimulatorStore } from './state.js';

// JSON shapes as GitLab documents them (doc/api/jobs.md, doc/api/runners.md, and the runner API's job
// response), with the nulls GitLab sends for fields that have no value.

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function projectName(project: SimProject): string {
  return project.path.split('/').pop() ?? project.path;
}

/**
 * A project as `GET /projects/:id` shows it, with the token user's `permissions` (lib/api/entities/
 * project.rb exposes `project_access` and `group_access` with their `access_level`).
 */
export function projectPayload(
  project: SimProject,
  webBase: string,
  role: SimRole = 'maintainer',
): Record<string, unknown> {
  const name = projectName(project);
  const namespace = project.path.split('/').slice(0, -1).join('/') || project.path;
  return {
    id: project.id,
    description: null,
    name,
    name_with_namespace: project.path.split('/').join(' / '),
    path: name,
    path_with_namespace: project.path,
    created_at: '2024-01-15T09:00:00.000Z',
    default_branch: 'main',
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${new URL(webBase).host}:${project.path}.git`,
    http_url_to_repo: `${webBase}/${project.path}.git`,
    web_url: `${webBase}/${project.path}`,
    readme_url: null,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    last_activity_at: '2024-01-15T09:00:00.000Z',
    namespace: {
      id: 1,
      name: namespace,
      path: namespace,
      kind: 'group',
      full_path: namespace,
      parent_id: null,
    },
    visibility: 'private',
    archived: false,
    empty_repo: false,
    jobs_enabled: true,
    shared_runners_enabled: true,
    group_runners_enabled: project.groupRunnersEnabled !== false,
    container_registry_image_prefix: `registry.${new URL(webBase).host}/${project.path}`,
    permissions: {
      project_access: { access_level: ACCESS_LEVELS[role], notification_level: 3 },
      group_access: null,
    },
  };
}

/** A group as `GET /groups/:id` shows it (doc/api/groups.md), without its projects. */
export function groupPayload(group: SimGroup, parent: SimGroup | undefined, webBase: string) {
  const path = group.path.split('/').pop() ?? group.path;
  return {
    id: group.id,
    name: path,
    path,
    full_name: group.path.split('/').join(' / '),
    full_path: group.path,
    description: '',
    visibility: 'private',
    web_url: `${webBase}/groups/${group.path}`,
    parent_id: parent?.id ?? null,
    created_at: '2024-01-15T09:00:00.000Z',
  };
}

/** A project inside a runner's details (`Entities::BasicProjectDetails`). */
function runnerProject(project: SimProject) {
  return {
    id: project.id,
    name: projectName(project),
    name_with_namespace: project.path.split('/').join(' / '),
    path: projectName(project),
    path_with_namespace: project.path,
  };
}

/** A runner as lists show it (`GET /projects/:id/runners`): no tags, no token. */
export function runnerSummary(runner: SimRunner) {
  return {
    id: runner.id,
    description: runner.description,
    ip_address: null,
    active: !runner.paused,
    paused: runner.paused,
    is_shared: false,
    runner_type: runner.runnerType,
    name: null,
    online: runner.contactedAt !== null && Date.now() - runner.contactedAt.getTime() < 2 * 3600_000,
    status: runner.contactedAt === null ? 'never_contacted' : 'online',
  };
}

/**
 * A runner's details (`GET /runners/:id`, `PUT /runners/:id`; lib/api/entities/ci/runner_details.rb): a
 * project runner lists its projects (the owner first), a group runner its group.
 */
export function runnerPayload(store: SimulatorStore, runner: SimRunner): Record<string, unknown> {
  const projects = [runner.projectId, ...runner.enabledProjectIds]
    .map((id) => store.projects.get(id))
    .filter((p): p is SimProject => p !== undefined);
  const group = runner.groupId === null ? undefined : store.groups.get(runner.groupId);
  return {
    ...runnerSummary(runner),
    created_at: iso(runner.createdAt),
    contacted_at: iso(runner.contactedAt),
    maintenance_note: null,
    architecture: null,
    platform: null,
    revision: null,
    version: null,
    tag_list: [...runner.tags],
    run_untagged: runner.runUntagged,
    locked: runner.locked,
    maximum_timeout: runner.maximumTimeout,
    access_level: runner.accessLevel,
    projects: runner.runnerType === 'project_type' ? projects.map(runnerProject) : [],
    groups: group ? [{ id: group.id, name: group.path.split('/').pop(), web_url: null }] : [],
  };
}

export function jobPayload(
  job: SimJob,
  project: SimProject,
  runner: SimRunner | undefined,
  webBase: string,
  now: number,
): Record<string, unknown> {
  const queuedUntil = job.startedAt ? job.startedAt.getTime() : now;
  const duration = job.startedAt
    ? ((job.finishedAt?.getTime() ?? now) - job.startedAt.getTime()) / 1000
    : null;
  const payload: Record<string, unknown> = {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: false,
    coverage: null,
    allow_failure: job.allowFailureExitCodes.length > 0,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    erased_at: null,
    duration,
    queued_duration: (queuedUntil - job.createdAt.getTime()) / 1000,
    user: {
      id: 1,
      username: 'ci-user',
      name: 'CI User',
      state: 'active',
      locked: false,
      avatar_url: null,
      web_url: `${webBase}/ci-user`,
      created_at: '2024-01-15T09:00:00.000Z',
      bio: '',
      location: null,
      public_email: null,
      linkedin: '',
      twitter: '',
      website_url: '',
      organization: null,
      job_title: '',
      pronouns: null,
      bot: false,
      work_information: null,
      followers: 0,
      following: 0,
      local_time: null,
    },
    commit: {
      id: job.sha,
      short_id: job.sha.slice(0, 8),
      created_at: iso(job.createdAt),
      parent_ids: [],
      title: 'Simulated commit',
      message: 'Simulated commit\n',
      author_name: 'CI User',
      author_email: 'ci-user@example.com',
      authored_date: iso(job.createdAt),
      committer_name: 'CI User',
      committer_email: 'ci-user@example.com',
      committed_date: iso(job.createdAt),
      trailers: {},
      extended_trailers: {},
      web_url: `${webBase}/${project.path}/-/commit/${job.sha}`,
    },
    pipeline: {
      id: job.pipelineId,
      iid: job.pipelineId,
      project_id: job.projectId,
      sha: job.sha,
      ref: job.ref,
      status: job.status === 'running' ? 'running' : 'pending',
      source: 'push',
      created_at: iso(job.createdAt),
      updated_at: iso(job.createdAt),
      web_url: `${webBase}/${project.path}/-/pipelines/${job.pipelineId}`,
    },
    web_url: `${webBase}/${project.path}/-/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: runner ? runnerSummary(runner) : null,
    runner_manager: null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [...job.tags],
  };
  if (job.failureReason) payload.failure_reason = job.failureReason;
  return payload;
}

/** The answer to `POST /jobs/request`: what a runner needs to run the job. */
export function runnerJobPayload(
  job: SimJob,
  project: SimProject,
  runner: SimRunner,
  serverUrl: string,
  now: number,
): Record<string, unknown> {
  const host = new URL(serverUrl);
  const token = job.token ?? '';
  const variable = (key: string, value: string, masked = false) => ({ key, value, public: !masked, masked });
  const variables = [
    variable('CI', 'true'),
    variable('GITLAB_CI', 'true'),
    variable('CI_SERVER_URL', serverUrl),
    variable('CI_SERVER_HOST', host.hostname),
    variable('CI_JOB_ID', String(job.id)),
    variable('CI_JOB_NAME', job.name),
    variable('CI_JOB_STAGE', job.stage),
    variable('CI_JOB_TOKEN', token, true),
    variable('CI_JOB_URL', `${serverUrl}/${project.path}/-/jobs/${job.id}`),
    variable('CI_PIPELINE_ID', String(job.pipelineId)),
    variable('CI_PROJECT_ID', String(project.id)),
    variable('CI_PROJECT_PATH', project.path),
    variable('CI_PROJECT_NAME', project.path.split('/').pop() ?? project.path),
    variable('CI_COMMIT_SHA', job.sha),
    variable('CI_COMMIT_REF_NAME', job.ref),
    variable('CI_RUNNER_ID', String(runner.id)),
    variable('CI_RUNNER_DESCRIPTION', runner.description),
    variable('CI_RUNNER_TAGS', JSON.stringify(runner.tags)),
    variable('CI_REGISTRY', `registry.${host.hostname}`),
    variable('CI_REGISTRY_USER', 'gitlab-ci-token'),
    variable('CI_REGISTRY_PASSWORD', token, true),
    variable('CI_PROJECT_NAMESPACE', project.path.split('/').slice(0, -1).join('/')),
    variable('CI_PROJECT_URL', `${serverUrl}/${project.path}`),
    variable(
      'CI_REPOSITORY_URL',
      `${host.protocol}//gitlab-ci-token:${token}@${host.host}/${project.path}.git`,
      true,
    ),
    variable('CI_COMMIT_SHORT_SHA', job.sha.slice(0, 8)),
    variable('CI_COMMIT_BRANCH', job.ref),
    variable('CI_DEFAULT_BRANCH', 'main'),
    variable('CI_PIPELINE_SOURCE', 'push'),
    variable('CI_SERVER_VERSION', '18.6.0'),
    ...(job.image ? [variable('CI_JOB_IMAGE', job.image)] : []),
    ...Object.entries(job.variables).map(([key, value]) => variable(key, value)),
  ];
  return {
    id: job.id,
    token,
    allow_git_fetch: true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: job.stage,
      project_id: project.id,
      project_name: project.path.split('/').pop() ?? project.path,
      time_in_queue_seconds: Math.round((now - job.createdAt.getTime()) / 1000),
      project_jobs_running_on_instance_runners_count: '+Inf',
      queue_size: 0,
      queue_depth: 0,
    },
    git_info: {
      repo_url: `${host.protocol}//gitlab-ci-token:${token}@${host.host}/${project.path}.git`,
      repo_object_format: 'sha1',
      ref: job.ref,
      sha: job.sha,
      before_sha: '0000000000000000000000000000000000000000',
      ref_type: 'branch',
      refspecs: [
        `+refs/pipelines/${job.pipelineId}:refs/pipelines/${job.pipelineId}`,
        `+refs/heads/${job.ref}:refs/remotes/origin/${job.ref}`,
      ],
      depth: 20,
    },
    runner_info: { timeout: runner.maximumTimeout ?? 3600, runner_session_url: null },
    variables,
    steps: [
      {
        name: 'script',
        script: [...job.script],
        timeout: runner.maximumTimeout ?? 3600,
        when: 'on_success',
        allow_failure: job.allowFailureExitCodes.length > 0,
      },
      ...(job.afterScript.length > 0
        ? [
            {
              name: 'after_script',
              script: [...job.afterScript],
              timeout: runner.maximumTimeout ?? 3600,
              when: 'always',
              allow_failure: true,
            },
          ]
        : []),
    ],
    image: job.image
      ? { name: job.image, alias: null, command: null, entrypoint: null, ports: [], pull_policy: null }
      : null,
    services: [],
    artifacts: job.artifacts.map((a) => ({
      name: a.name ?? 'artifacts',
      untracked: false,
      paths: [...a.paths],
      when: a.when ?? 'on_success',
      artifact_type: 'archive',
      artifact_format: 'zip',
      expire_in: null,
    })),
    cache: job.cache.map((c) => ({
      key: c.key ?? '',
      untracked: false,
      policy: c.policy ?? 'pull-push',
      paths: [...c.paths],
      when: c.when ?? 'on_success',
      fallback_keys: [],
    })),
    credentials: [
      { type: 'registry', url: `registry.${host.hostname}`, username: 'gitlab-ci-token', password: token },
    ],
    dependencies: [],
    features: {
      trace_sections: true,
      failure_reasons: [
        'unknown_failure',
        'script_failure',
        'runner_system_failure',
        'job_execution_timeout',
      ],
    },
    hooks: [],
  };
}
