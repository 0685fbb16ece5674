import { resolve } from 'node:path';
import type { CliIo } from './io.js';

/** The default process I/O; `GITLAB_META_RUNNER_THIS` overrides `$THIS` when the command runs through a wrapper. */
function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    thisPath: process.env.GITLAB_META_RUNNER_THIS || resolve(process.argv[1] ?? 'gitlab-meta-runner'),
  };
}

/**
 * Runs `gitlab-meta-runner` with the given arguments and returns the exit code.
 * Loads the full CLI framework only for commands that are not on a hot path.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo = { ...processIo(), ...io };
  const { runCli } = await import('./cli.js');
  return runCli(argv, fullIo);
}
