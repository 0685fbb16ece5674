import type { EndpointOrUnknown } from './faults.js';

/** An endpoint and the path parameters it was called with. */
export interface Route {
  endpoint: EndpointOrUnknown;
  params: string[];
}

const apiPrefix = '/api/v4';

/** Which endpoint a request is for; `unknown` when the simulator does not serve it. */
export function route(method: string, pathname: string): Route {
  // Git over smart HTTP, as GitLab serves it: `<project path>.git/info/refs` and `.../git-upload-pack`.
  const git = /^\/(.+)\.git\/(info\/refs|git-upload-pack)$/.exec(pathname);
  if (git) {
    let project: string;
    try {
      project = decodeURIComponent(git[1]!);
    } catch {
      return { endpoint: 'unknown', params: [] };
    }
    if (method === 'GET' && git[2] === 'info/refs')
      return { endpoint: 'GET /:project.git/info/refs', params: [project, git[2]] };
    if (method === 'POST' && git[2] === 'git-upload-pack')
      return { endpoint: 'POST /:project.git/git-upload-pack', params: [project, git[2]] };
    return { endpoint: 'unknown', params: [] };
  }
  if (method === 'POST' && pathname === '/api/graphql') return { endpoint: 'POST /api/graphql', params: [] };
  if (!pathname.startsWith(`${apiPrefix}/`)) return { endpoint: 'unknown', params: [] };
  let parts: string[];
  try {
    parts = pathname
      .slice(apiPrefix.length + 1)
      .split('/')
      .map(decodeURIComponent);
  } catch {
    return { endpoint: 'unknown', params: [] };
  }
  const [a, b, c, d] = parts;
  const n = parts.length;
  const key = `${method} ${a}`;
  if (key === 'GET projects' && n === 2) return { endpoint: 'GET /projects/:id', params: [b!] };
  if (key === 'GET projects' && n === 3 && c === 'jobs')
    return { endpoint: 'GET /projects/:id/jobs', params: [b!] };
  if (key === 'GET projects' && n === 3 && c === 'runners')
    return { endpoint: 'GET /projects/:id/runners', params: [b!] };
  if (key === 'POST projects' && n === 3 && c === 'runners')
    return { endpoint: 'POST /projects/:id/runners', params: [b!] };
  if (key === 'DELETE projects' && n === 4 && c === 'runners')
    return { endpoint: 'DELETE /projects/:id/runners/:runner_id', params: [b!, d!] };
  if (key === 'GET groups' && n === 2) return { endpoint: 'GET /groups/:id', params: [b!] };
  if (key === 'GET groups' && n === 3 && c === 'runners')
    return { endpoint: 'GET /groups/:id/runners', params: [b!] };
  if (key === 'GET groups' && n === 5 && c === 'members' && d === 'all')
    return { endpoint: 'GET /groups/:id/members/all/:user_id', params: [b!, parts[4]!] };
  if (key === 'GET user' && n === 1) return { endpoint: 'GET /user', params: [] };
  if (key === 'GET projects' && n === 4 && c === 'jobs') {
    return { endpoint: 'GET /projects/:id/jobs/:job_id', params: [b!, d!] };
  }
  if (key === 'POST user' && n === 2 && b === 'runners')
    return { endpoint: 'POST /user/runners', params: [] };
  if (key === 'POST runners' && n === 2 && b === 'verify')
    return { endpoint: 'POST /runners/verify', params: [] };
  if (key === 'GET personal_access_tokens' && n === 2 && b === 'self')
    return { endpoint: 'GET /personal_access_tokens/self', params: [] };
  if (a === 'runners' && n === 2 && method === 'GET') return { endpoint: 'GET /runners/:id', params: [b!] };
  if (a === 'runners' && n === 2 && method === 'PUT') return { endpoint: 'PUT /runners/:id', params: [b!] };
  if (a === 'runners' && n === 2 && method === 'DELETE')
    return { endpoint: 'DELETE /runners/:id', params: [b!] };
  if (key === 'POST runners' && n === 3 && c === 'reset_authentication_token') {
    return { endpoint: 'POST /runners/:id/reset_authentication_token', params: [b!] };
  }
  if (key === 'POST jobs' && n === 2 && b === 'request')
    return { endpoint: 'POST /jobs/request', params: [] };
  if (key === 'PUT jobs' && n === 2) return { endpoint: 'PUT /jobs/:id', params: [b!] };
  if (key === 'POST jobs' && n === 3 && c === 'artifacts')
    return { endpoint: 'POST /jobs/:id/artifacts', params: [b!] };
  if (key === 'PATCH jobs' && n === 3 && c === 'trace')
    return { endpoint: 'PATCH /jobs/:id/trace', params: [b!] };
  return { endpoint: 'unknown', params: [] };
}

/** Git endpoints: authenticated with a job token as user `gitlab-ci-token`, answered by git itself. */
export const gitEndpoints: ReadonlySet<EndpointOrUnknown> = new Set([
  'GET /:project.git/info/refs',
  'POST /:project.git/git-upload-pack',
]);

/** Endpoints a runner calls with its own token, not the access token. */
export const runnerSideEndpoints: ReadonlySet<EndpointOrUnknown> = new Set([
  'POST /runners/verify',
  'POST /jobs/request',
  'PUT /jobs/:id',
  'PATCH /jobs/:id/trace',
  'POST /jobs/:id/artifacts',
]);
