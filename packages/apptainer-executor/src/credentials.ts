import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEnvironment } from './job-environment.js';
import { normalizeRegistry } from './image-reference.js';

/** A registry login for one registry host. Never logged, never put on a command line. */
export interface RegistryCredential {
  registry: string;
  username: string;
  password: string;
  /** Where it came from, for the job log: "job credentials" or "CI_REGISTRY_USER". */
  from: string;
}

/** `https://registry.example.com:5005/v2/` → `registry.example.com:5005`. */
export function registryHost(url: string): string {
  const withoutScheme = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return normalizeRegistry(withoutScheme.split('/')[0] ?? '');
}

/**
 * The credential for an image's registry: the job response's `credentials` of type `registry` for that
 * host, else `CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD` when the image is on `CI_REGISTRY`. Credentials of
 * other registries are never returned.
 */
export function findCredential(
  registry: string | undefined,
  job: JobEnvironment,
): RegistryCredential | undefined {
  if (!registry) return undefined;
  for (const c of job.jobResponse()?.credentials ?? []) {
    if (!c || (c.type !== undefined && c.type !== 'registry') || !c.url || !c.username || !c.password)
      continue;
    if (registryHost(c.url) === registry) {
      return { registry, username: c.username, password: c.password, from: 'job credentials' };
    }
  }
  const ciRegistry = job.variable('CI_REGISTRY');
  const username = job.variable('CI_REGISTRY_USER');
  const password = job.variable('CI_REGISTRY_PASSWORD');
  if (ciRegistry && username && password && registryHost(ciRegistry) === registry) {
    return { registry, username, password, from: 'CI_REGISTRY_USER' };
  }
  return undefined;
}

/** A Docker-style auth file scoped to one registry, readable only by the owner; `remove()` deletes it. */
export interface AuthFile {
  path: string;
  remove(): Promise<void>;
}

/** Writes the credential to `<private temp dir>/auth.json` (dir 0700, file 0600) for `apptainer pull --authfile`. */
export async function writeAuthFile(parentDir: string, credential: RegistryCredential): Promise<AuthFile> {
  const dir = await mkdtemp(join(parentDir, 'mr-registry-auth-'));
  const path = join(dir, 'auth.json');
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  await writeFile(path, JSON.stringify({ auths: { [credential.registry]: { auth } } }), { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
