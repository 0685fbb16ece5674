import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const fromSources = here.endsWith('.ts');

/** Absolute path of the `mr-gitlab-runner-standin` bin of this installation. */
export const runnerStandinBin: string = join(
  dirname(here),
  `runner-standin-bin.${fromSources ? 'ts' : 'js'}`,
);

/** The command line that starts the stand-in: node, the flags it needs, the bin. */
export function runnerStandinCommand(): string[] {
  if (!fromSources) return [process.execPath, runnerStandinBin];
  // Running from the repository's TypeScript sources (tests): load them through tsx.
  const tsx = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'loader.mjs');
  return [process.execPath, '--conditions=@mr/source', '--import', tsx, runnerStandinBin];
}

/**
 * Writes an executable `<dir>/<fileName>` (default `gitlab-runner`) that runs the stand-in, so that launch
 * scripts calling `gitlab-runner run-single ...` reach it once `dir` is first in `PATH`. Returns its path.
 */
export function writeRunnerStandin(dir: string, fileName = 'gitlab-runner'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  // The job's predefined stages call the runner's helpers (cache-archiver, ...) through this same file.
  writeFileSync(
    path,
    `#!/bin/sh\nMR_STANDIN_COMMAND=${quote(path)}\nexport MR_STANDIN_COMMAND\nexec ${runnerStandinCommand().map(quote).join(' ')} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
