import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { GitLabClient, type GitLabNetworkError, proxySettings } from '@mr/gitlab-api';
import type { Checklist } from './check.js';
import { checkProxy, proxyRefusal } from './proxy-check.js';

/** Error codes of a TLS certificate GitLab's server sent that Node does not trust. */
const certificateCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function errorText(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  for (let e = (error as Error)?.cause, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++)
    text += `: ${e.message}`;
  return text;
}

/**
 * Proxy, DNS, custom CA, then one request to GitLab's API without the token (any answer proves it is
 * reachable), through the same client, and so the same proxy, that configure and run use. Returns whether
 * GitLab answered, so that the checks needing it run only then.
 */
export async function checkReachable(
  list: Checklist,
  baseUrl: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const url = new URL(baseUrl);
  let client: GitLabClient;
  try {
    client = new GitLabClient({ baseUrl, token: '', env, timeoutMs: 15_000, retry: { maxRetries: 0 } });
  } catch (error) {
    const e = error as { message: string; hint?: string };
    list.fail('gitlab.proxy', e.message, e.hint ?? 'fix the proxy variable');
    return false;
  }
  try {
    return await reach(list, url, client, env);
  } finally {
    await client.close();
  }
}

async function reach(
  list: Checklist,
  url: URL,
  client: GitLabClient,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const route = client.route;
  if (!(await checkProxy(list, url, route, proxySettings(env), env))) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (route.via === 'proxy') list.ok('gitlab.dns', `${host} is not looked up here: the proxy resolves it`);
  else if (isIP(host)) list.ok('gitlab.dns', `GitLab host ${host} is an address: no DNS lookup needed`);
  else {
    try {
      const addresses = await lookup(host, { all: true });
      list.ok('gitlab.dns', `${host} resolves to ${addresses.map((a) => a.address).join(', ')}`);
    } catch (error) {
      list.fail(
        'gitlab.dns',
        `${host} does not resolve (${errorCode(error) ?? errorText(error)})`,
        'check `hostname` in the config file for typos, and the DNS of this machine (`getent hosts <host>`); behind a proxy, set HTTPS_PROXY',
      );
      return false;
    }
  }

  const ca = env.NODE_EXTRA_CA_CERTS;
  if (ca) {
    let text = '';
    try {
      text = readFileSync(ca, 'utf8');
    } catch (error) {
      list.fail(
        'gitlab.ca',
        `NODE_EXTRA_CA_CERTS names ${ca}, which cannot be read (${errorCode(error) ?? errorText(error)})`,
        'point NODE_EXTRA_CA_CERTS at a readable PEM file with the CA certificate that signed GitLab’s certificate',
      );
    }
    if (text && !text.includes('-----BEGIN CERTIFICATE-----'))
      list.fail(
        'gitlab.ca',
        `NODE_EXTRA_CA_CERTS names ${ca}, which holds no PEM certificate`,
        'give a PEM file (-----BEGIN CERTIFICATE-----); convert a DER file with `openssl x509 -inform der -in ca.der -out ca.pem`',
      );
    else if (text) list.ok('gitlab.ca', `custom CA certificates from NODE_EXTRA_CA_CERTS (${ca})`);
  }

  const through = route.via === 'proxy' ? ` through the proxy ${route.proxy.url}` : '';
  let status: number | undefined;
  let failure: unknown;
  try {
    status = await client.probe({ signal: AbortSignal.timeout(20_000) });
  } catch (error) {
    failure = error;
  }
  const refusal =
    route.via === 'proxy'
      ? proxyRefusal(failure === undefined ? '' : errorText(failure), status, route, url)
      : undefined;
  if (refusal) {
    list.fail('gitlab.connect', refusal.summary, refusal.fix);
    return false;
  }
  if (failure === undefined) {
    list.ok('gitlab.connect', `GitLab at ${url.origin} answers${through} (HTTP ${status})`);
    return true;
  }
  const code = (failure as GitLabNetworkError).errorCode ?? errorCode(failure);
  if (code && certificateCodes.has(code)) {
    list.fail(
      'gitlab.tls',
      `GitLab’s TLS certificate at ${url.origin} is not trusted (${code})`,
      ca
        ? `NODE_EXTRA_CA_CERTS (${ca}) does not hold the CA that signed it: add that CA certificate (PEM) to the file`
        : 'export NODE_EXTRA_CA_CERTS=/path/to/ca.pem (the PEM certificate of the CA that signed GitLab’s certificate) where gitlab-meta-runner runs',
    );
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'CERT_HAS_EXPIRED') {
    list.fail(
      'gitlab.tls',
      `GitLab’s TLS certificate at ${url.origin} is wrong: ${code}`,
      code === 'CERT_HAS_EXPIRED'
        ? 'the server’s certificate has expired: tell GitLab’s administrators'
        : '`hostname` must be the name the certificate is issued for (as in the browser’s address bar)',
    );
  } else {
    list.fail(
      'gitlab.connect',
      `cannot reach GitLab at ${url.origin}${through}: ${code ?? errorText(failure)}`,
      route.via === 'proxy'
        ? `check that the proxy in ${route.proxy.variable} may connect to ${url.host}, or add ${url.hostname} to NO_PROXY if GitLab is reachable without it`
        : 'check `hostname` (scheme and port) in the config file, and that this machine may connect to GitLab (firewall, VPN, or a proxy: HTTPS_PROXY)',
    );
  }
  return false;
}
