import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import type { ProxyRoute, ProxySettings } from '@mr/gitlab-api';
import type { Checklist } from './check.js';

/** How long the proxy may take to accept a connection. */
const PROXY_CONNECT_MS = 10_000;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Connects to host:port and closes again; resolves with the error code, or undefined when it worked. */
function tryConnect(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROXY_CONNECT_MS });
    const done = (code: string | undefined) => {
      socket.destroy();
      resolve(code);
    };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done('ETIMEDOUT'));
    socket.once('error', (error) => done(errorCode(error) ?? error.message));
  });
}

/**
 * The `gitlab.proxy` check: which proxy requests to GitLab go through (its URL redacted) and whether it
 * accepts connections, or why they go direct although a proxy variable is set. Returns false when the
 * proxy cannot be reached (then GitLab cannot be either).
 */
export async function checkProxy(
  list: Checklist,
  gitlab: URL,
  route: ProxyRoute,
  settings: ProxySettings | undefined,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const host = gitlab.hostname;
  if (route.via === 'direct') {
    if (route.because === 'no_proxy')
      list.ok(
        'gitlab.proxy',
        `no proxy for GitLab: ${settings?.noProxyVariable ?? 'NO_PROXY'} entry "${route.entry}" matches ${host}, so requests go directly`,
      );
    else if (settings)
      list.ok(
        'gitlab.proxy',
        `no proxy for GitLab: ${settings.https?.variable ?? 'HTTPS_PROXY'} applies to https:// URLs only, and GitLab is ${gitlab.origin}`,
      );
    else if (env.ALL_PROXY || env.all_proxy)
      list.warn(
        'gitlab.proxy',
        'ALL_PROXY is set, but gitlab-meta-runner does not read it: requests to GitLab go directly',
        'if GitLab is reachable only through that proxy, set HTTPS_PROXY (or HTTP_PROXY for an http:// GitLab) to it',
      );
    return true;
  }
  const { url, variable } = route.proxy;
  const proxy = new URL(url);
  const port = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const bypass = `or, if GitLab is reachable without a proxy, add ${host} to NO_PROXY`;
  try {
    await lookup(proxyHost);
  } catch (error) {
    list.fail(
      'gitlab.proxy',
      `the proxy ${url} (${variable}) does not resolve (${errorCode(error) ?? String(error)})`,
      `check the host name in ${variable}, ${bypass}`,
    );
    return false;
  }
  const refused = await tryConnect(proxyHost, port);
  if (refused) {
    list.fail(
      'gitlab.proxy',
      `the proxy ${url} (${variable}) does not accept connections (${refused})`,
      `check host and port in ${variable} and that the proxy runs, ${bypass}`,
    );
    return false;
  }
  list.ok(
    'gitlab.proxy',
    `GitLab is reached through the proxy ${url} (${variable})`,
    settings?.noProxy
      ? [`${settings.noProxyVariable}: ${settings.noProxy} (does not match ${host})`]
      : undefined,
  );
  return true;
}

/** For a failure through the proxy: what the proxy said (407, a refused tunnel, a 5xx), with the fix. */
export function proxyRefusal(
  text: string,
  status: number | undefined,
  route: Extract<ProxyRoute, { via: 'proxy' }>,
  gitlab: URL,
): { summary: string; fix: string } | undefined {
  const { url, variable } = route.proxy;
  if (/\b407\b/.test(text))
    return {
      summary: `the proxy ${url} (${variable}) asks for credentials (407 Proxy Authentication Required)`,
      fix: `put them into ${variable}: http://user:password@host:port (with special characters URL-encoded)`,
    };
  const tunnel = /Proxy response \((\d+)\)/.exec(text)?.[1];
  const code = tunnel ? Number(tunnel) : status;
  if (code !== undefined && (tunnel || code === 502 || code === 503 || code === 504))
    return {
      summary: `the proxy ${url} (${variable}) does not pass requests on to ${gitlab.host} (it answers ${code})`,
      fix: `ask the proxy's administrators to allow ${gitlab.host}:${gitlab.port || (gitlab.protocol === 'https:' ? 443 : 80)}, and check \`hostname\` in the config file`,
    };
  return undefined;
}
