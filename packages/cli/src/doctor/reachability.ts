import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Checklist } from './check.js';

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

const proxyNames = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * DNS, custom CA, then one unauthenticated HTTP request to GitLab's API (any answer proves it is
 * reachable). Returns whether GitLab answered, so that the checks needing it run only then.
 */
export async function checkReachable(
  list: Checklist,
  baseUrl: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) list.ok('gitlab.dns', `GitLab host ${host} is an address: no DNS lookup needed`);
  else {
    try {
      const addresses = await lookup(host, { all: true });
      list.ok('gitlab.dns', `${host} resolves to ${addresses.map((a) => a.address).join(', ')}`);
    } catch (error) {
      list.fail(
        'gitlab.dns',
        `${host} does not resolve (${errorCode(error) ?? errorText(error)})`,
        'check `hostname` in the config file for typos, and the DNS of this machine (`getent hosts <host>`)',
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

  const proxies = proxyNames.filter((name) => env[name]);
  const viaProxy =
    proxies.length > 0
      ? ` (${proxies.join(', ')} set: gitlab-meta-runner ignores them and connects directly)`
      : '';
  const target = `${baseUrl.replace(/\/+$/, '')}/api/v4/version`;
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(15_000), redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    list.ok('gitlab.connect', `GitLab at ${url.origin} answers (HTTP ${response.status})${viaProxy}`);
    return true;
  } catch (error) {
    const code = errorCode(error);
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
        `cannot reach GitLab at ${url.origin}: ${code ?? errorText(error)}`,
        proxies.length > 0
          ? `gitlab-meta-runner connects directly and does not use ${proxies.join(', ')}: run it where GitLab is reachable without the proxy, or ask for a firewall opening`
          : 'check `hostname` (scheme and port) in the config file, and that this machine may connect to GitLab (firewall, VPN)',
      );
    }
    return false;
  }
}
