import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { collectEntries, extractZip, zipArchive } from './zip-archive.js';

// The helper commands gitlab-runner's predefined stages call on itself (gitlab-runner v19.3.0
// commands/helpers/cache_archiver.go, cache_extractor.go, artifacts_uploader.go). Caches and artifacts are
// zip archives, as the real helpers write them by default (see zip-archive.ts).

interface HelperArgs {
  values: Record<string, string>;
  paths: string[];
}

function parse(args: readonly string[]): HelperArgs {
  const values: Record<string, string> = {};
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const value = args[++i];
    if (value === undefined) throw new Error(`flag needs an argument: ${arg}`);
    if (arg === '--path') paths.push(value);
    else values[arg.slice(2)] = value;
  }
  return { values, paths };
}

/** The existing paths among `paths` (relative to the working directory, the project directory). */
function existing(paths: readonly string[], log: (line: string) => void): string[] {
  return paths.filter((p) => {
    if (existsSync(p)) return true;
    log(`WARNING: ${p}: no matching files`);
    return false;
  });
}

/** `cache-archiver --file F --path P...`: archives the paths into F (written to a temp file, then renamed). */
async function cacheArchiver(args: HelperArgs, log: (line: string) => void): Promise<number> {
  const file = args.values.file;
  if (!file) throw new Error('missing --file');
  const paths = existing(args.paths, log);
  if (paths.length === 0) {
    log('WARNING: no files to archive; the cache is not updated');
    return 0;
  }
  mkdirSync(dirname(file), { recursive: true });
  // cache_archiver.go createZipFile: a temporary file beside the cache, renamed into place.
  const temp = `${dirname(file)}/archive_${process.pid}`;
  writeFileSync(temp, zipArchive(collectEntries(process.cwd(), paths)));
  renameSync(temp, file);
  log(`Created cache`);
  return 0;
}

/** `cache-extractor --file F`: unpacks F into the working directory; a missing cache is only a warning. */
async function cacheExtractor(args: HelperArgs, log: (line: string) => void): Promise<number> {
  const file = args.values.file;
  if (!file) throw new Error('missing --file');
  if (!existsSync(file)) {
    log(`WARNING: ${file}: cache file does not exist`);
    log('Failed to extract cache');
    return 1;
  }
  extractZip(readFileSync(file), process.cwd());
  log('Successfully extracted cache');
  return 0;
}

/** `artifacts-uploader --url U --token T --id N --path P...`: POSTs an archive to /jobs/:id/artifacts. */
async function artifactsUploader(args: HelperArgs, log: (line: string) => void): Promise<number> {
  const { url, token, id } = args.values;
  if (!url || !token || !id) throw new Error('missing --url, --token or --id');
  const paths = existing(args.paths, log);
  if (paths.length === 0) {
    log('ERROR: No files to upload');
    return 0;
  }
  // artifacts_uploader.go createBodyProvider: no --artifact-format means zip, sent as `<name>.zip`
  // (DefaultUploadName "artifacts"); the stand-in writes no other format.
  const format = args.values['artifact-format'] ?? 'zip';
  if (format !== 'zip') throw new Error(`the stand-in uploads zip artifacts only, not ${format}`);
  const name = basename(args.values.name ?? '') || 'artifacts';
  const form = new FormData();
  form.append('file', new Blob([zipArchive(collectEntries(process.cwd(), paths))]), `${name}.zip`);
  const query = new URLSearchParams({
    artifact_format: format,
    artifact_type: args.values['artifact-type'] ?? 'archive',
  });
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v4/jobs/${id}/artifacts?${query}`, {
    method: 'POST',
    headers: { 'job-token': token },
    body: form,
  });
  await response.body?.cancel();
  if (response.status !== 201) {
    log(`ERROR: Uploading artifacts as "archive" to coordinator... ${response.status}`);
    return 1;
  }
  log(`Uploading artifacts as "archive" to coordinator... 201 Created  id=${id}`);
  return 0;
}

/** Runs a helper command; returns its exit code, or undefined when `command` is not one. */
export async function runnerHelper(
  command: string,
  args: readonly string[],
  log: (line: string) => void,
): Promise<number | undefined> {
  const helpers: Record<string, (a: HelperArgs, l: (line: string) => void) => Promise<number>> = {
    'cache-archiver': cacheArchiver,
    'cache-extractor': cacheExtractor,
    'artifacts-uploader': artifactsUploader,
  };
  const helper = helpers[command];
  if (!helper) return undefined;
  try {
    return await helper(parse(args), log);
  } catch (error) {
    log(`ERROR: ${command}: ${(error as Error).message}`);
    return 1;
  }
}
