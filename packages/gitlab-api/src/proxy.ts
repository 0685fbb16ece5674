/**
 * HTTP proxies from the environment, read the way undici's `EnvHttpProxyAgent` reads them (undici 7:
 * docs/docs/api/EnvHttpProxyAgent.md, lib/dispatcher/env-http-proxy-agent.js): `http_proxy` before
 * `HTTP_PROXY`, `https_proxy` before `HTTPS_PROXY` (a lower-case variable that is set, even empty, hides
 * the upper-case one), `https://` URLs fall back to the HTTP proxy, and `no_proxy`/`NO_PROXY` lists hosts
 * reached directly. The transport hands these values to `EnvHttpProxyAgent` explicitly, so that what it does
 * and what {@link proxyRoute} says (for `doctor`) come from the same reading of the same environment.
 */

/** One proxy: its URL (credentials included: never log it, see {@link redactProxyUrl}) and its variable. */
export interface ProxyVariable {
  url: string;
  variable: string;
}

export interface ProxySettings {
  /** For `http://` URLs. */
  http?: ProxyVariable | undefined;
  /** For `https://` URLs (the HTTP proxy when no HTTPS proxy is set). */
  https?: ProxyVariable | undefined;
  /** `no_proxy`/`NO_PROXY`, as given ('' when unset). */
  noProxy: string;
  noProxyVariable?: string | undefined;
}

/** How requests to one URL travel. */
export type ProxyRoute =
  | { via: 'proxy'; proxy: ProxyVariable }
  | { via: 'direct'; because: 'no-proxy-set' | 'no_proxy'; entry?: string | undefined };

function pick(env: Record<string, string | undefined>, lower: string): [string, string | undefined] {
  const upper = lower.toUpperCase();
  return env[lower] !== undefined ? [lower, env[lower]] : [upper, env[upper]];
}

/** The proxy variables of `env`; undefined when no proxy is set (requests then go straight to GitLab). */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings | undefined {
  const [httpName, httpValue] = pick(env, 'http_proxy');
  const [httpsName, httpsValue] = pick(env, 'https_proxy');
  const [noName, noValue] = pick(env, 'no_proxy');
  const http = httpValue ? { url: normalizeProxyUrl(httpValue), variable: httpName } : undefined;
  const https = httpsValue ? { url: normalizeProxyUrl(httpsValue), variable: httpsName } : http;
  if (!http && !https) return undefined;
  return { http, https, noProxy: noValue ?? '', noProxyVariable: noValue ? noName : undefined };
}

/** `proxy:3128` means `http://proxy:3128`, as for curl and Go's net/http. */
function normalizeProxyUrl(value: string): string {
  const trimmed = value.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * Whether a request to `url` goes through a proxy, and which, by undici's NO_PROXY rules: entries are
 * separated by commas or white space, may end in `:port`, may start with `.` or `*.`; a host matches an
 * entry it equals or is a subdomain of; `*` alone means no proxy at all. IP ranges (CIDR) are not
 * understood.
 */
export function proxyRoute(url: URL, settings: ProxySettings | undefined): ProxyRoute {
  const proxy = url.protocol === 'https:' ? settings?.https : settings?.http;
  if (!settings || !proxy) return { via: 'direct', because: 'no-proxy-set' };
  const host = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  if (settings.noProxy === '*') return { via: 'direct', because: 'no_proxy', entry: '*' };
  for (const raw of settings.noProxy.split(/[,\s]/)) {
    if (!raw) continue;
    const withPort = /^(.+):(\d+)$/.exec(raw);
    const entryHost = (withPort ? withPort[1]! : raw).replace(/^\*?\./, '').toLowerCase();
    const entryPort = withPort ? Number.parseInt(withPort[2]!, 10) : 0;
    if (entryPort && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`))
      return { via: 'direct', because: 'no_proxy', entry: raw };
  }
  return { via: 'proxy', proxy };
}

/** A proxy URL fit for logs and errors: user name and password (up to the last `@`) replaced by `***`. */
export function redactProxyUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** The secret parts of a proxy URL, as they may appear anywhere (for a redactor). */
export function proxySecrets(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const { username, password } = new URL(url);
  if (!password) return [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const basic = Buffer.from(`${decode(username)}:${decode(password)}`).toString('base64');
  return [`${username}:${password}`, password, decode(password), basic].filter((s) => s.length >= 4);
}
