import { resolve } from 'node:path';
import { scanArgv } from './global-options.js';
import type { CliIo } from './io.js';

/** Where `$THIS` points: `GITLAB_META_RUNNER_THIS` when the command runs through a wrapper, else this program. */
function thisPath(): string {
  return process.env.GITLAB_META_RUNNER_THIS || resolve(process.argv[1] ?? 'gitlab-meta-runner');
}

/** The default process I/O. */
function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    thisPath: thisPath(),
  };
}

/**
 * Runs `gitlab-meta-runner` with the given arguments and returns the exit code.
 * Loads the full CLI framework only for commands that are not on a hot path.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  // gitlab-runner starts `executor` about ten times per job: reach it without loading yargs or zod (and
  // without process.stdout's stream machinery).
  const scanned = scanArgv(argv);
  if (scanned.simple && scanned.rest[0] === 'executor') {
    const { executorFastPath } = await import('./handlers/executor.js');
    const code = await executorFastPath(scanned, {
      env: process.env,
      cwd: process.cwd(),
      thisPath: thisPath(),
      ...io,
    });
    if (code !== undefined) return code;
  }
  const fullIo = { ...processIo(), ...io };
  const { runCli } = await import('./cli.js');
  return runCli(argv, fullIo);
}
