import { ExecutorError } from './errors.js';

/** A login written into an image name (`docker://user:password@host/...`). */
export interface ImageLogin {
  username: string;
  password: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Where the user information of an image name is: the part before the last `@` of the authority (after
 * `scheme://`, up to the first `/`); in a bare docker reference (`user:pw@host/path`) an `@` before the first
 * `/` (a digest's `@` always follows the repository path).
 */
function userinfoRange(name: string): { start: number; end: number } | undefined {
  const scheme = SCHEME.exec(name);
  const start = scheme ? scheme[0].length : 0;
  const slash = name.indexOf('/', start);
  if (!scheme && slash < 0) return undefined;
  const authority = name.slice(start, slash < 0 ? undefined : slash);
  const at = authority.lastIndexOf('@');
  return at < 0 ? undefined : { start, end: start + at };
}

/** The name with any user information replaced by `***` (for messages). */
export function redactImageName(name: string): string {
  const range = userinfoRange(name);
  return range ? `${name.slice(0, range.start)}***${name.slice(range.end)}` : name;
}

/**
 * Splits the login out of an image name. Apptainer and SingularityCE take a registry login for `docker://`
 * and `oras://` pulls from `<PREFIX>_DOCKER_USERNAME` / `_PASSWORD` (pull.go in cmd/internal/cli builds the
 * OCI and ORAS credentials with makeDockerCredentials, apptainer v1.0.0 to v1.5.0; makeOCICredentials,
 * SingularityCE v4.3.0), so such a login leaves the name and goes through the environment. `http(s)://`
 * pulls take no credentials but the URL's own (net.PullToFile has no auth parameter, same files), and
 * `library://` and `shub://` none at all: a login in those names is refused, as it would end up on
 * apptainer's command line. Throws `MR_EXECUTOR_IMAGE_CREDENTIALS` (the job's fault) with the name redacted.
 */
export function splitImageLogin(name: string): { name: string; login?: ImageLogin } {
  const range = userinfoRange(name);
  if (!range) return { name };
  const scheme = SCHEME.exec(name)?.[1]?.toLowerCase() ?? 'docker';
  const userinfo = name.slice(range.start, range.end);
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const login = {
    username: decode(colon < 0 ? userinfo : userinfo.slice(0, colon)),
    password: decode(colon < 0 ? '' : userinfo.slice(colon + 1)),
  };
  const redacted = redactImageName(name);
  if (scheme !== 'docker' && scheme !== 'oras') {
    throw new ExecutorError(
      'MR_EXECUTOR_IMAGE_CREDENTIALS',
      `image ${JSON.stringify(redacted)} has a login in its name, which ${scheme}:// pulls can only take on the command line`,
      {
        failure: 'build',
        hint: 'Put the image in a registry (docker:// or oras://) and give its login through DOCKER_AUTH_CONFIG or the job credentials, or make the file reachable without a login.',
      },
    );
  }
  if (!login.username || !login.password) {
    throw new ExecutorError(
      'MR_EXECUTOR_IMAGE_CREDENTIALS',
      `image ${JSON.stringify(redacted)} has a login in its name without ${login.username ? 'a password' : 'a user name'}`,
      {
        failure: 'build',
        hint: 'Write user:password@ before the registry host, or better give the login through DOCKER_AUTH_CONFIG.',
      },
    );
  }
  return { name: name.slice(0, range.start) + name.slice(range.end + 1), login };
}

/** The secret of an image name's login (for redaction), or undefined; never throws. */
export function imageLoginSecrets(name: string | undefined): string[] {
  const range = name ? userinfoRange(name) : undefined;
  if (!name || !range) return [];
  const userinfo = name.slice(range.start, range.end);
  const colon = userinfo.indexOf(':');
  const password = colon < 0 ? '' : userinfo.slice(colon + 1);
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {}
  return [...new Set([userinfo, password, decoded])].filter((s) => s.length > 0);
}
