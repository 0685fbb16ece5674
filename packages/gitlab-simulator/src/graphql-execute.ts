import type { GqlField } from './graphql-parse.js';
import { MAX_PAGE_SIZE } from './graphql-schema.js';
import type { JobStatus, SimGroup, SimJob, SimProject } from './model.js';
import type { SimulatorStore } from './state.js';

// Resolves a validated query against the store, field by field, as GitLab's resolvers would answer it.

/** A pipeline of the simulator: the jobs of one `addJobs` call. */
interface SimPipeline {
  id: number;
  projectId: number;
  source: string;
  jobs: SimJob[];
}

/**
 * A pipeline's status from its jobs' statuses, by the order of Gitlab::Ci::Status::Composite#status
 * (lib/gitlab/ci/status/composite.rb, gitlabhq commit 14bd84b612): only success → success; only canceled and
 * success → canceled; only pending → pending; any running or pending → running; then canceling; else failed.
 */
export function pipelineStatus(statuses: readonly JobStatus[]): string {
  const set = new Set(statuses);
  const only = (...names: JobStatus[]) => [...set].every((s) => names.includes(s));
  if (set.size === 0) return 'created';
  if (only('success')) return 'success';
  if (only('canceled', 'success')) return 'canceled';
  if (only('pending')) return 'pending';
  if (set.has('running') || set.has('pending')) return 'running';
  if (set.has('canceling')) return 'canceling';
  return 'failed';
}

const gid = (model: string, id: number) => `gid://gitlab/${model}/${id}`;
const cursorOf = (id: number) => Buffer.from(JSON.stringify({ id: String(id) })).toString('base64');
function idAfter(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  try {
    const id = Number((JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { id?: unknown }).id);
    return Number.isSafeInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A connection page: items after the `after` cursor, at most `first` (capped at GitLab's 100). */
function connection<T extends { id: number }>(
  items: readonly T[],
  args: Record<string, unknown>,
  node: (item: T, fields: readonly GqlField[]) => unknown,
  field: GqlField,
): Record<string, unknown> {
  const after = idAfter(args.after);
  const start = after === undefined ? 0 : items.findIndex((item) => item.id === after) + 1;
  const size = Math.min(typeof args.first === 'number' ? args.first : MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const slice = items.slice(start, start + size);
  const out: Record<string, unknown> = {};
  for (const sub of field.selections ?? []) {
    const key = sub.alias ?? sub.name;
    if (sub.name === 'nodes') out[key] = slice.map((item) => node(item, sub.selections ?? []));
    else if (sub.name === 'count') out[key] = items.length;
    else if (sub.name === 'pageInfo')
      out[key] = select(sub, {
        hasNextPage: start + size < items.length,
        hasPreviousPage: start > 0,
        startCursor: slice[0] ? cursorOf(slice[0].id) : null,
        endCursor: slice.at(-1) ? cursorOf(slice.at(-1)!.id) : null,
      });
  }
  return out;
}

function select(field: GqlField, values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries((field.selections ?? []).map((s) => [s.alias ?? s.name, values[s.name] ?? null]));
}

interface Context {
  store: SimulatorStore;
  args: Map<GqlField, Record<string, unknown>>;
  pipelines: Map<number, SimPipeline[]>;
}

function pipelinesOf(context: Context, project: SimProject): SimPipeline[] {
  let all = context.pipelines.get(project.id);
  if (!all) {
    const byId = new Map<number, SimPipeline>();
    for (const job of context.store.jobs.values()) {
      if (job.projectId !== project.id) continue;
      let pipeline = byId.get(job.pipelineId);
      if (!pipeline) {
        pipeline = { id: job.pipelineId, projectId: project.id, source: job.pipelineSource, jobs: [] };
        byId.set(job.pipelineId, pipeline);
      }
      pipeline.jobs.push(job);
    }
    // Ci::PipelinesFinder sorts by id, newest first.
    all = [...byId.values()].sort((a, b) => b.id - a.id);
    context.pipelines.set(project.id, all);
  }
  return all;
}

function jobNode(context: Context, job: SimJob, fields: readonly GqlField[]) {
  const now = context.store.now().getTime();
  const values: Record<string, unknown> = {
    id: gid('Ci::Build', job.id),
    name: job.name,
    status: job.status.toUpperCase(),
    tags: [...job.tags],
    createdAt: job.createdAt.toISOString(),
    queuedAt: job.createdAt.toISOString(),
    // Ci::Build#queued_duration: from queued_at to started_at, or to now while pending (seconds).
    queuedDuration: ((job.startedAt?.getTime() ?? now) - job.createdAt.getTime()) / 1000,
  };
  return Object.fromEntries(fields.map((f) => [f.alias ?? f.name, values[f.name] ?? null]));
}

function pipelineNode(context: Context, pipeline: SimPipeline, fields: readonly GqlField[]) {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const key = f.alias ?? f.name;
    if (f.name === 'id') out[key] = gid('Ci::Pipeline', pipeline.id);
    else if (f.name === 'status') out[key] = pipelineStatus(pipeline.jobs.map((j) => j.status)).toUpperCase();
    else if (f.name === 'jobs') {
      const args = context.args.get(f) ?? {};
      const statuses = Array.isArray(args.statuses) ? (args.statuses as string[]) : undefined;
      const jobs = pipeline.jobs
        .filter((j) => !statuses || statuses.includes(j.status.toUpperCase()))
        .filter(() => args.jobKind === undefined || args.jobKind === null || args.jobKind === 'BUILD')
        // Pipeline#statuses_order_id_desc.
        .sort((a, b) => b.id - a.id);
      out[key] = connection(jobs, args, (job, sub) => jobNode(context, job, sub), f);
    }
  }
  return out;
}

function projectNode(context: Context, project: SimProject, fields: readonly GqlField[]) {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const key = f.alias ?? f.name;
    if (f.name === 'id') out[key] = gid('Project', project.id);
    else if (f.name === 'fullPath') out[key] = project.path;
    else if (f.name === 'ciCdSettings') {
      const role = context.store.projectRole(project);
      out[key] =
        role === 'maintainer' || role === 'owner'
          ? select(f, { groupRunnersEnabled: project.groupRunnersEnabled !== false })
          : null;
    } else if (f.name === 'pipelines') {
      const args = context.args.get(f) ?? {};
      const source = typeof args.source === 'string' ? args.source : undefined;
      const status = typeof args.status === 'string' ? args.status.toLowerCase() : undefined;
      // Ci::PipelinesFinder#prefiltered_pipelines: child pipelines only with source "parent_pipeline".
      const pipelines = pipelinesOf(context, project)
        .filter((p) => (source === 'parent_pipeline' ? p.source === source : p.source !== 'parent_pipeline'))
        .filter((p) => source === undefined || p.source === source)
        .filter((p) => status === undefined || pipelineStatus(p.jobs.map((j) => j.status)) === status);
      out[key] = connection(pipelines, args, (p, sub) => pipelineNode(context, p, sub), f);
    }
  }
  return out;
}

function groupNode(context: Context, group: SimGroup, fields: readonly GqlField[]) {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const key = f.alias ?? f.name;
    if (f.name === 'id') out[key] = gid('Group', group.id);
    else if (f.name === 'fullPath') out[key] = group.path;
    else if (f.name === 'projects') {
      const args = context.args.get(f) ?? {};
      const projects = context.store
        .projectsOf(group, args.includeSubgroups === true)
        .filter((p) => context.store.projectRole(p) !== 'none')
        .sort((a, b) => a.id - b.id);
      out[key] = connection(projects, args, (p, sub) => projectNode(context, p, sub), f);
    }
  }
  return out;
}

/** The `data` of a validated query. */
export function executeQuery(
  store: SimulatorStore,
  selections: readonly GqlField[],
  args: Map<GqlField, Record<string, unknown>>,
): Record<string, unknown> {
  const context: Context = { store, args, pipelines: new Map() };
  const data: Record<string, unknown> = {};
  for (const f of selections) {
    if (f.name !== 'group') continue;
    const fullPath = String(args.get(f)?.fullPath ?? '');
    const group = store.group(fullPath);
    // Groups the user cannot see resolve to null, as GitLab's GroupResolver does.
    data[f.alias ?? f.name] =
      group && group.role !== 'none' && !/^\d+$/.test(fullPath)
        ? groupNode(context, group, f.selections ?? [])
        : null;
  }
  return data;
}
