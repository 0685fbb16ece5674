import { type Call, encodeId, type RequestOptions } from './call.js';
import { type GitLabJob, type GitLabProject, jobSchema, projectSchema } from './schemas.js';
import type { Transport } from './transport.js';

/** `GET /projects/:id` by numeric id or full path (`group/project`). */
export async function getProject(
  transport: Transport,
  idOrPath: number | string,
  options: RequestOptions = {},
): Promise<GitLabProject> {
  const path = transport.api(`/projects/${encodeId(idOrPath)}`);
  const call: Call = { method: 'GET', path, retryOn: 'all', ...options };
  return transport.parse(projectSchema, call, await transport.request(call));
}

/** `GET /projects/:id/jobs/:job_id`. */
export async function getJob(
  transport: Transport,
  projectId: number | string,
  jobId: number,
  options: RequestOptions = {},
): Promise<GitLabJob> {
  const path = transport.api(`/projects/${encodeId(projectId)}/jobs/${jobId}`);
  const call: Call = { method: 'GET', path, retryOn: 'all', ...options };
  return transport.parse(jobSchema, call, await transport.request(call));
}
