import { isAbsolute } from 'node:path';
import { fs } from './builtins.js';
import { normalizeRegistry } from './image-reference.js';
import type { Env, JobEnvironment } from './job-environment.js';

/** A registry login for one registry host. Never logged, never put on a command line. */
export interface RegistryCredential {
  registry: string;
  username: string;
  password: string;
  /** Where it came from, for the job log: "$DOCKER_AUTH_CONFIG", "job credentials" or "CI_REGISTRY_USER". */
  from: string;
}

/** `https://registry.example.com:5005/v2/` → `registry.example.com:5005`; Docker Hub's keys → `docker.io`. */
export function registryHost(url: string): string {
  const withoutScheme = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return normalizeRegistry(withoutScheme.split('/')[0] ?? '');
}

interface DockerAuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
}

/** A `DOCKER_AUTH_CONFIG` value: the JSON itself, or (a file-type variable) the path of a file holding it. */
function readDockerAuthConfig(value: string): unknown {
  const text = value.trim();
  if (!text.startsWith('{') && isAbsolute(text) && fs.existsSync(text))
    return JSON.parse(fs.readFileSync(text, 'utf8'));
  return JSON.parse(text);
}

/**
 * The login for `registry` in a Docker config (`{"auths": {KEY: {"auth": base64("user:pass")}}}` or
 * `{"username", "password"}` per entry). Keys are matched by host the way gitlab-runner does
 * (convertToRegistryPath in helpers/docker/auth/auth.go): a scheme and path are dropped and Docker Hub's
 * `https://index.docker.io/v1/` means docker.io. Credential helpers (`credsStore`, `credHelpers`) are not run.
 */
export function loginFromDockerConfig(
  config: unknown,
  registry: string,
): { username: string; password: string } | undefined {
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (!auths || typeof auths !== 'object') return undefined;
  for (const [key, value] of Object.entries(auths as Record<string, DockerAuthEntry>)) {
    if (registryHost(key) !== registry || !value || typeof value !== 'object') continue;
    if (typeof value.auth === 'string' && value.auth) {
      const decoded = Buffer.from(value.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof value.username === 'string' && value.username && typeof value.password === 'string')
      return { username: value.username, password: value.password };
  }
  return undefined;
}

/**
 * The credential for an image's registry, from the first source that has one, in gitlab-runner's order
 * (Resolver.AllConfigs in helpers/docker/auth/auth.go): `DOCKER_AUTH_CONFIG` (the job variable, which
 * includes `[[runners]] environment`, else the executor's own environment), then the job response's
 * `credentials` of type `registry`, then `CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD` for images on
 * `CI_REGISTRY`. Credentials of other registries are never returned. `warn` hears about a
 * `DOCKER_AUTH_CONFIG` that cannot be read (it is skipped, as gitlab-runner does).
 */
export function findCredential(
  registry: string | undefined,
  job: JobEnvironment,
  env: Env = {},
  warn: (message: string) => void = () => {},
): RegistryCredential | undefined {
  if (!registry) return undefined;
  for (const [value, where] of [
    [job.variable('DOCKER_AUTH_CONFIG'), 'the job variable DOCKER_AUTH_CONFIG'],
    [env.DOCKER_AUTH_CONFIG, "DOCKER_AUTH_CONFIG in the executor's environment"],
  ] as const) {
    if (!value) continue;
    let config: unknown;
    try {
      config = readDockerAuthConfig(value);
    } catch (error) {
      // A JSON syntax error quotes the content, which holds passwords: never include it.
      warn(
        `cannot read ${where}: ${error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message}; its credentials are not used`,
      );
      continue;
    }
    const login = loginFromDockerConfig(config, registry);
    if (login) return { registry, ...login, from: '$DOCKER_AUTH_CONFIG' };
  }
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

/**
 * The variables that hand a login to `pull`: `<PREFIX>_DOCKER_USERNAME` and `<PREFIX>_DOCKER_PASSWORD`,
 * which every supported release reads (the EnvKeys of dockerUsernameFlag and dockerPasswordFlag in
 * cmd/internal/cli/apptainer.go, apptainer v1.0.0 to v1.5.0, and cmd/internal/cli/singularity.go,
 * SingularityCE v3.7.0 to v4.3.0). They apply to the one registry of that pull and stay out of argv.
 */
export function credentialEnvironment(prefix: string, credential: RegistryCredential | undefined): Env {
  if (!credential) return {};
  return {
    [`${prefix}_DOCKER_USERNAME`]: credential.username,
    [`${prefix}_DOCKER_PASSWORD`]: credential.password,
  };
}
