import { GitLabError } from './errors.js';

/** The REST API root for a GitLab URL: origin and path prefix, e.g. `https://host/gitlab` → `/gitlab/api/v4`. */
export interface ApiBase {
  /** `https://gitlab.example.com` (scheme, host, port). */
  origin: string;
  /** Path of the REST API below the origin, without a trailing slash: `/api/v4` or `/prefix/api/v4`. */
  apiPath: string;
}

/**
 * Splits a GitLab URL into origin and API path. Accepts `https://host`, `https://host/` (API at `/api/v4`),
 * an installation under a path (`https://host/gitlab`), a URL already ending in `/api/v4`, and a bare host
 * name (`gitlab.com`, taken as https).
 */
export function apiBase(baseUrl: string): ApiBase {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(baseUrl) ? baseUrl : `https://${baseUrl}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new GitLabError(
      'MR_GITLAB_BAD_URL',
      `not a GitLab URL: ${JSON.stringify(baseUrl)} (expected e.g. "https://gitlab.com")`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GitLabError(
      'MR_GITLAB_BAD_URL',
      `not a GitLab URL: ${JSON.stringify(baseUrl)} (expected an http or https URL)`,
    );
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api/v4')) path = `${path}/api/v4`;
  return { origin: url.origin, apiPath: path };
}
