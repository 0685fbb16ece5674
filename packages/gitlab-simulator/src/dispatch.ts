import type { IncomingMessage } from 'node:http';
import { accessTokenSelf, type SimAccessToken } from './access-token.js';
import type { EndpointOrUnknown } from './faults.js';
import { type Answer, readBody } from './http.js';
import { jobJson, listJobs, type Pagination } from './job-list.js';
import { projectPayload } from './payloads.js';
import { appendTrace, requestJob, updateJob, uploadArtifacts } from './runner-jobs.js';
import {
  createRunner,
  deleteRunner,
  resetRunnerToken,
  showRunner,
  updateRunner,
  verifyRunner,
} from './runner-management.js';
import { answerGraphql } from './graphql-endpoint.js';
import { currentUser, groupMember, showGroup } from './groups.js';
import { listGroupRunners, listProjectRunners } from './runner-lists.js';
import { disableProjectRunner, enableProjectRunner } from './runner-projects.js';
import type { ProjectRepos } from './project-repos.js';
import type { SimulatorStore } from './state.js';
import { visibleProjectOr404 } from './visible.js';

/** What every request handler works with. */
export interface HandlerContext {
  store: SimulatorStore;
  /** The URL the simulator says it has (web_url, Link headers, git URLs). */
  webBase: string;
  pagination: Pagination;
  repos: ProjectRepos;
  /** What `GET /personal_access_tokens/self` says (scopes, expiry). */
  accessToken: SimAccessToken;
}

/** Answers an authorized request for a known endpoint. */
export async function dispatch(
  context: HandlerContext,
  endpoint: EndpointOrUnknown,
  params: string[],
  request: IncomingMessage,
  url: URL,
  answer: Answer,
): Promise<void> {
  if (endpoint === 'unknown') {
    answer(404, { error: '404 Not Found' });
    return;
  }
  const { store, webBase, pagination } = context;
  const id = Number(params[0]);
  switch (endpoint) {
    case 'GET /projects/:id': {
      const project = visibleProjectOr404(store, params[0]!, answer);
      if (project) answer(200, projectPayload(project, webBase, store.projectRole(project)));
      return;
    }
    case 'GET /projects/:id/jobs':
      listJobs(store, params[0]!, url, webBase, pagination, answer);
      return;
    case 'GET /projects/:id/jobs/:job_id': {
      const project = store.project(params[0]!);
      const job = store.jobs.get(Number(params[1]));
      if (!project) answer(404, { message: '404 Project Not Found' });
      else if (!job || job.projectId !== project.id) answer(404, { message: '404 Not found' });
      else answer(200, jobJson(store, job, project, webBase));
      return;
    }
    case 'GET /projects/:id/runners':
      listProjectRunners(store, params[0]!, url, webBase, answer);
      return;
    case 'POST /projects/:id/runners':
      enableProjectRunner(store, params[0]!, await readBody(request), answer);
      return;
    case 'DELETE /projects/:id/runners/:runner_id':
      disableProjectRunner(store, params[0]!, Number(params[1]), answer);
      return;
    case 'GET /groups/:id':
      showGroup(store, params[0]!, webBase, answer);
      return;
    case 'GET /groups/:id/runners':
      listGroupRunners(store, params[0]!, url, webBase, answer);
      return;
    case 'GET /groups/:id/members/all/:user_id':
      groupMember(store, params[0]!, Number(params[1]), answer);
      return;
    case 'GET /user':
      currentUser(answer);
      return;
    case 'POST /api/graphql':
      answerGraphql(store, await readBody(request), answer);
      return;
    case 'POST /user/runners':
      createRunner(store, await readBody(request), answer);
      return;
    case 'GET /runners/:id':
      showRunner(store, id, answer);
      return;
    case 'PUT /runners/:id':
      updateRunner(store, id, await readBody(request), answer);
      return;
    case 'DELETE /runners/:id':
      deleteRunner(store, id, answer);
      return;
    case 'POST /runners/verify':
      verifyRunner(store, await readBody(request), answer);
      return;
    case 'GET /personal_access_tokens/self':
      accessTokenSelf(context.accessToken, answer);
      return;
    case 'POST /runners/:id/reset_authentication_token':
      resetRunnerToken(store, id, answer);
      return;
    case 'POST /jobs/request':
      requestJob(store, await readBody(request), webBase, answer, (path) => context.repos.head(path));
      return;
    case 'PUT /jobs/:id':
      updateJob(store, id, request, await readBody(request), answer);
      return;
    case 'PATCH /jobs/:id/trace':
      await appendTrace(store, id, request, answer);
      return;
    case 'POST /jobs/:id/artifacts':
      await uploadArtifacts(store, id, request, url, answer);
      return;
  }
}
