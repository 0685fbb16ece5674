import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from './paths.js';

const bins = {
  'gitlab-meta-runner': ['cli', 'src/bin.ts'],
  'mr-apptainer-executor': ['apptainer-executor', 'src/bin.ts'],
  'mr-gitlab-runner-standin': ['gitlab-simulator', 'src/runner-standin-bin.ts'],
} as const;

export type BinName = keyof typeof bins;

/** Path of a package's bin source file. */
export function binSource(name: BinName): string {
  const [pkg, file] = bins[name];
  return join(packageDir(pkg), file);
}

/**
 * Path of the built bin, as its package's `bin` field names it (what `npm install` links). The vitest
 * projects whose tests start bins build stale packages first (`ensureBuilt`, their `globalSetup`).
 */
export function binPath(name: BinName): string {
  const dir = packageDir(bins[name][0]);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  const relative = manifest.bin?.[name];
  if (!relative) throw new Error(`${dir}/package.json has no bin "${name}"`);
  const path = join(dir, relative);
  if (!existsSync(path))
    throw new Error(`${path} is not built: run "pnpm build" (vitest's globalSetup does it for bin tests)`);
  return path;
}

/**
 * Writes an executable shell wrapper `<dir>/<name>` that runs the built bin, so that other programs
 * (gitlab-runner stand-ins, sbatch) can execute it like the installed command. `fileName` names the wrapper
 * differently from the bin (e.g. `gitlab-runner` for `mr-gitlab-runner-standin`).
 * `GITLAB_META_RUNNER_THIS` makes `$THIS` point at the wrapper.
 */
export function writeDevBin(dir: string, name: BinName, fileName: string = name): string {
  const path = join(dir, fileName);
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const args = [process.execPath, binPath(name)].map(quote).join(' ');
  writeFileSync(path, `#!/bin/sh\nGITLAB_META_RUNNER_THIS=${quote(path)} exec ${args} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
