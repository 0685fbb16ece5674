import { z } from 'zod';
import type { RequestOptions } from './call.js';
import { GitLabGraphQLError } from './errors.js';
import { graphqlQuery } from './graphql.js';
import { listPendingJobs } from './pending-jobs.js';
import type { GitLabJob } from './schemas.js';
import type { Transport } from './transport.js';

// The pending jobs of every project of a group in a few GraphQL requests (about one per 100 projects).
//
// Project.jobs cannot serve this: GitLab resolves it for one project per request (FieldCallCount limit 1,
// app/graphql/resolvers/project_jobs_resolver.rb). Pipeline.jobs has no such limit, so the query walks
// Group.projects (Resolvers::NamespaceProjectsResolver, `includeSubgroups`) → Project.pipelines
// (Resolvers::Ci::ProjectPipelinesResolver: `status`, `source`) → Pipeline.jobs (Resolvers::Ci::JobsResolver:
// `statuses`, `jobKind`). A pipeline with a pending job is PENDING or RUNNING (Gitlab::Ci::Status::Composite,
// lib/gitlab/ci/status/composite.rb); child pipelines are listed only with `source: "parent_pipeline"`
// (Ci::PipelinesFinder#prefiltered_pipelines, app/finders/ci/pipelines_finder.rb at gitlabhq commit 0286e4c628;
// from GitLab 17.0 on, doc/api/pipelines.md at 017a6c129d; older versions answer an empty list). A project whose pipelines or jobs fill a page is read again
// through REST (`GET /projects/:id/jobs?scope[]=pending`, every page), so no job is missed.

/** Pipelines per status and project, and pending jobs per pipeline, asked for in one request. */
export const PIPELINES_PER_PROJECT = 20;
export const JOBS_PER_PIPELINE = 50;

const JOBS = `jobs(statuses: [PENDING], jobKind: BUILD, first: ${JOBS_PER_PIPELINE}) { nodes { id name tags createdAt queuedDuration } }`;
const pipelines = (alias: string, args: string) =>
  `${alias}: pipelines(${args}, first: ${PIPELINES_PER_PROJECT}) { nodes { ${JOBS} } }`;

/**
 * Whether the project lets group runners take its jobs (Settings → CI/CD → Runners): GitLab gives a group
 * runner no job of a project that turned them off (Ci::Queue::BuildQueueService#builds_for_group_runner,
 * `.with_group_runners_enabled`, app/services/ci/queue/build_queue_service.rb), so launching for such a job
 * would only start a runner that ends without it. `ciCdSettings` is null for a user below Maintainer
 * (Types::Ci::CiCdSettingType, app/graphql/types/ci/ci_cd_setting_type.rb); the jobs are then read as usual.
 */
const GROUP_RUNNERS_ENABLED = 'ciCdSettings { groupRunnersEnabled }';

/** The query, for one page of the group's projects; `settings` asks for {@link GROUP_RUNNERS_ENABLED}. */
export const groupPendingJobsQuery = (
  settings: boolean,
) => `query gitlabMetaRunnerPendingJobs($group: ID!, $subgroups: Boolean, $first: Int, $after: String) {
  group(fullPath: $group) {
    projects(includeSubgroups: $subgroups, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        fullPath${settings ? `\n        ${GROUP_RUNNERS_ENABLED}` : ''}
        ${pipelines('pending', 'status: PENDING')}
        ${pipelines('running', 'status: RUNNING')}
        ${pipelines('childPending', 'status: PENDING, source: "parent_pipeline"')}
        ${pipelines('childRunning', 'status: RUNNING, source: "parent_pipeline"')}
      }
    }
  }
}`;

/** The query as a GitLab that knows `ciCdSettings` is asked. */
export const GROUP_PENDING_JOBS_QUERY = groupPendingJobsQuery(true);

const jobNode = z.looseObject({
  id: z.string().nullable(),
  name: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  createdAt: z.string(),
  queuedDuration: z.number().nullish(),
});
const pipelineConnection = z
  .looseObject({
    nodes: z.array(z.looseObject({ jobs: z.looseObject({ nodes: z.array(jobNode) }).nullable() })),
  })
  .nullable();
const projectNode = z.looseObject({
  id: z.string(),
  fullPath: z.string(),
  ciCdSettings: z.looseObject({ groupRunnersEnabled: z.boolean().nullish() }).nullish(),
  pending: pipelineConnection,
  running: pipelineConnection,
  childPending: pipelineConnection,
  childRunning: pipelineConnection,
});
const answerSchema = z.looseObject({
  group: z
    .looseObject({
      projects: z.looseObject({
        pageInfo: z.looseObject({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
        nodes: z.array(projectNode),
      }),
    })
    .nullable(),
});

/** A pending job with the project it belongs to. */
export interface ProjectJob extends GitLabJob {
  project: { id: number; path: string };
}

export interface GroupPendingJobs {
  /** Every pending job of the group's projects, oldest first (each once). */
  jobs: ProjectJob[];
  /** Projects of the group read. */
  projects: number;
  /** GraphQL requests made (pages of projects). */
  pages: number;
  /** Projects read again through REST because a page of their pipelines or jobs was full. */
  readAgain: string[];
  /**
   * Projects that turned group runners off, with their pending jobs: those jobs are not in `jobs`, since no
   * group runner can take them.
   */
  groupRunnersOff: { path: string; jobs: number }[];
}

/** The numeric id at the end of a global id (`gid://gitlab/Ci::Build/123` → 123). */
export function idFromGid(gid: string): number | undefined {
  const match = /\/(\d+)$/.exec(gid);
  return match ? Number(match[1]) : undefined;
}

/**
 * Reads the pending jobs of a group's projects (and of its subgroups' when `includeSubgroups`), page by page
 * of `projectsPerPage` projects (default 100, GitLab's largest page). If GitLab finds the query too complex
 * for its limits, the page size is halved (down to 10) and kept smaller from then on.
 */
export class GroupPendingJobsReader {
  readonly #transport: Transport;
  readonly #group: string;
  readonly #includeSubgroups: boolean;
  #perPage: number;
  /** Whether the query asks for `ciCdSettings`; a GitLab whose schema lacks it is asked without. */
  #settings = true;

  constructor(
    transport: Transport,
    group: string,
    options: { includeSubgroups: boolean; projectsPerPage?: number },
  ) {
    this.#transport = transport;
    this.#group = group;
    this.#includeSubgroups = options.includeSubgroups;
    this.#perPage = options.projectsPerPage ?? 100;
  }

  /** Whether each project's group runner setting is asked for (false once GitLab's schema lacked it). */
  get asksGroupRunnerSetting(): boolean {
    return this.#settings;
  }

  /** The projects asked for per request now. */
  get projectsPerPage(): number {
    return this.#perPage;
  }

  async read(options: RequestOptions = {}): Promise<GroupPendingJobs> {
    const jobs = new Map<number, ProjectJob>();
    const result: GroupPendingJobs = { jobs: [], projects: 0, pages: 0, readAgain: [], groupRunnersOff: [] };
    let after: string | null = null;
    for (let guard = 0; guard < 10_000; guard++) {
      let data: z.output<typeof answerSchema>;
      try {
        data = await graphqlQuery(
          this.#transport,
          groupPendingJobsQuery(this.#settings),
          { group: this.#group, subgroups: this.#includeSubgroups, first: this.#perPage, after },
          answerSchema,
          { ...options, operation: `pending jobs of group ${this.#group}` },
        );
      } catch (error) {
        if (
          error instanceof GitLabGraphQLError &&
          /complexity/i.test(error.messages.join(' ')) &&
          this.#perPage > 10
        ) {
          this.#perPage = Math.max(10, Math.floor(this.#perPage / 2));
          continue;
        }
        if (
          error instanceof GitLabGraphQLError &&
          this.#settings &&
          /'(ciCdSettings|groupRunnersEnabled)' doesn't exist/.test(error.messages.join(' '))
        ) {
          this.#settings = false;
          continue;
        }
        throw error;
      }
      result.pages++;
      if (!data.group)
        throw new GitLabGraphQLError(`GitLab knows no group ${this.#group}, or the token cannot see it`, {
          method: 'POST',
          path: '/api/graphql',
          messages: [],
          hint: 'Check `group` in the config file and that the token has the read_api scope and a role in the group.',
        });
      const page = data.group.projects;
      for (const project of page.nodes) {
        result.projects++;
        const projectId = idFromGid(project.id);
        if (projectId === undefined) continue;
        const ref = { id: projectId, path: project.fullPath };
        const connections = [project.pending, project.running, project.childPending, project.childRunning];
        if (project.ciCdSettings?.groupRunnersEnabled === false) {
          const pending = new Set<string>();
          for (const connection of connections)
            for (const pipeline of connection?.nodes ?? [])
              for (const node of pipeline.jobs?.nodes ?? []) if (node.id && node.tags) pending.add(node.id);
          result.groupRunnersOff.push({ path: project.fullPath, jobs: pending.size });
          continue;
        }
        const full = connections.some(
          (c) =>
            (c?.nodes.length ?? 0) >= PIPELINES_PER_PROJECT ||
            c?.nodes.some((p) => (p.jobs?.nodes.length ?? 0) >= JOBS_PER_PIPELINE),
        );
        if (full) {
          result.readAgain.push(project.fullPath);
          for (const job of await listPendingJobs(this.#transport, projectId, options))
            jobs.set(job.id, { ...job, project: ref });
          continue;
        }
        for (const connection of connections)
          for (const pipeline of connection?.nodes ?? [])
            for (const node of pipeline.jobs?.nodes ?? []) {
              const id = node.id ? idFromGid(node.id) : undefined;
              // A bridge (trigger job) has no tags; `jobKind: BUILD` leaves them out already.
              if (id === undefined || !node.tags) continue;
              jobs.set(id, {
                id,
                tag_list: node.tags,
                name: node.name ?? null,
                status: 'pending',
                created_at: node.createdAt,
                queued_duration: node.queuedDuration ?? null,
                pipeline: { project_id: projectId },
                project: ref,
              });
            }
      }
      if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
      after = page.pageInfo.endCursor;
    }
    result.jobs = [...jobs.values()].sort((a, b) => a.id - b.id);
    return result;
  }
}
