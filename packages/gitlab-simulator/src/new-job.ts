import type { SimJob } from './model.js';
import type { JobSpec } from './options.js';

/** Where a new job goes: its id, project and pipeline (all jobs of one `addJobs` call share the pipeline). */
export interface NewJobPlace {
  id: number;
  projectId: number;
  pipelineId: number;
  sha: string;
  /** `push` unless given (`parent_pipeline`: a child pipeline). */
  pipelineSource: string | undefined;
}

/** A pending job made from its spec, with the defaults of the simulator's jobs. */
export function newJob(spec: JobSpec, where: NewJobPlace): SimJob {
  const { id, projectId, pipelineId, sha } = where;
  return {
    id,
    projectId,
    pipelineId,
    pipelineSource: where.pipelineSource ?? 'push',
    name: spec.name ?? `job-${id}`,
    stage: spec.stage ?? 'test',
    tags: [...(spec.tags ?? [])],
    status: 'pending',
    image: spec.image ?? null,
    script: [...(spec.script ?? ['echo "hello from the simulator"'])],
    afterScript: [...(spec.afterScript ?? [])],
    variables: { ...spec.variables },
    cache: (spec.cache ?? []).map((c) => ({ ...c, paths: [...c.paths] })),
    artifacts: (spec.artifacts ?? []).map((a) => ({ ...a, paths: [...a.paths] })),
    allowFailureExitCodes: [...(spec.allowFailureExitCodes ?? [])],
    exitCode: null,
    allowedToFail: false,
    uploadedArtifacts: [],
    ref: spec.ref ?? 'main',
    sha,
    createdAt: spec.createdAt ?? new Date(),
    startedAt: null,
    finishedAt: null,
    runnerId: null,
    token: null,
    trace: '',
    failureReason: null,
  };
}
