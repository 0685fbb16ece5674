import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

/**
 * A self-signed certificate (its own CA) for one name, made with `openssl`, valid for two days: `certFile`
 * is what `NODE_EXTRA_CA_CERTS` needs to trust a server that uses `key` and `cert`. `subjectAltName` is
 * `DNS:<name>`, or `IP:<name>` for an address.
 */
export function selfSignedCertificate(name: string): { key: Buffer; cert: Buffer; certFile: string } {
  const dir = makeTempDir('mr-tls-');
  const san = /^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`;
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}
