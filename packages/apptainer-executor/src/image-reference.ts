import { createHash } from 'node:crypto';
import { ExecutorError } from './errors.js';
import { redactImageName } from './image-login.js';

/** An image as the executor understands it. */
export interface ImageReference {
  /** The name as the job (or `default_image`) wrote it, after variable expansion. */
  written: string;
  /** What `apptainer pull` gets, with its transport: `docker://docker.io/library/alpine:latest`. */
  source: string;
  /** The full normalized reference, for matching and naming: `docker.io/library/alpine:latest`. */
  canonical: string;
  /** Registry host (and port) of a `docker://` or `oras://` image, for credentials. */
  registry?: string | undefined;
  /** File name in the image directory; distinct for every distinct `source`. */
  fileName: string;
  /** Set for an image that is a local file (an absolute path): used as is, never pulled. */
  localPath?: string | undefined;
}

const passThroughSchemes = ['library://', 'shub://', 'oras://', 'http://', 'https://'];
const passThroughPrefixes = ['docker-archive:', 'oci-archive:', 'docker-daemon:', 'oci:'];
const dockerHubAliases = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

const bad = (name: string, why: string) =>
  new ExecutorError(
    'MR_EXECUTOR_BAD_IMAGE_NAME',
    `image name ${JSON.stringify(redactImageName(name))} is not valid: ${why}`,
    {
      failure: 'build',
      hint: 'Write images as docker references (alpine:3.20, ghcr.io/org/app:1) or with an apptainer transport (docker://, oras://, library://, ...).',
    },
  );

/** Normalizes a registry host: lower case, Docker Hub aliases become `docker.io`. */
export function normalizeRegistry(host: string): string {
  const lower = host.toLowerCase();
  return dockerHubAliases.has(lower) ? 'docker.io' : lower;
}

/** Normalizes a docker reference `[registry/]path[:tag][@digest]` to its full form. */
function normalizeDocker(name: string, ref: string): { canonical: string; registry: string } {
  if (ref === '' || /\s/.test(ref)) throw bad(name, 'empty or contains white space');
  let rest = ref;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at);
    rest = rest.slice(0, at);
    if (!/^@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest))
      throw bad(name, `bad digest "${digest.slice(1)}"`);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag = '';
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw bad(name, `bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = normalizeRegistry(parts.shift()!);
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.some((p) => !/^[A-Za-z0-9]+(?:(?:[._]|__|-+)[A-Za-z0-9]+)*$/.test(p))) {
    throw bad(name, `bad repository path "${parts.join('/')}"`);
  }
  if (!tag && !digest) tag = 'latest';
  return { canonical: `${registry}/${parts.join('/')}${tag ? `:${tag}` : ''}${digest}`, registry };
}

/** The image file name for a pull source: readable part plus a hash of the whole source. */
export function imageFileName(source: string): string {
  const readable = source
    .replace(/^docker:\/\//, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  return `${readable}-${hash}.sif`;
}

/**
 * Parses an image name. A bare `name:tag` is a docker reference (`docker://` is added, Docker Hub and
 * `library/` filled in); other apptainer transports pass through unchanged; an absolute path is a local image.
 */
export function parseImageReference(name: string): ImageReference {
  const written = name.trim();
  if (written === '') throw bad(name, 'it is empty');
  if (written.startsWith('/')) {
    return { written, source: written, canonical: written, fileName: '', localPath: written };
  }
  if (written.startsWith('docker://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(written)) {
    if (!written.startsWith('docker://') && passThroughPrefixes.some((p) => written.startsWith(p))) {
      return { written, source: written, canonical: written, fileName: imageFileName(written) };
    }
    const { canonical, registry } = normalizeDocker(name, written.replace(/^docker:\/\//, ''));
    const source = `docker://${canonical}`;
    return { written, source, canonical, registry, fileName: imageFileName(source) };
  }
  const scheme = passThroughSchemes.find((s) => written.toLowerCase().startsWith(s));
  if (!scheme) throw bad(name, `unknown transport "${written.slice(0, written.indexOf('://') + 3)}"`);
  const registry =
    scheme === 'oras://' ? normalizeRegistry(written.slice(scheme.length).split('/')[0] ?? '') : undefined;
  return { written, source: written, canonical: written, registry, fileName: imageFileName(written) };
}
