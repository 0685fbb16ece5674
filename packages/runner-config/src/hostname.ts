import { ConfigError } from './errors.js';

function toUrl(hostname: string): URL | undefined {
  const text = hostname.trim();
  if (text === '' || /\s/.test(text)) return undefined;
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash || !url.hostname) return undefined;
  return url;
}

/** Whether `hostname` is a host name or an http(s) URL that {@link gitlabBaseUrl} accepts. */
export function isGitlabHostname(hostname: string): boolean {
  return toUrl(hostname) !== undefined;
}

/**
 * The base URL of a GitLab server from the config's `hostname`: a host name means https
 * (`gitlab.com` → `https://gitlab.com`); a URL is kept (`http://127.0.0.1:8080`), including a path for
 * GitLab under a sub-path. Never ends with `/`.
 */
export function gitlabBaseUrl(hostname: string): string {
  const url = toUrl(hostname);
  if (!url) {
    throw new ConfigError(
      'MR_CONFIG_INVALID',
      `hostname ${JSON.stringify(hostname)} is not a host name or an http(s) URL`,
      { hint: 'write a host name such as "gitlab.com" or a URL such as "https://gitlab.example.org:8443"' },
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
