import type { CliIo } from './io.js';
import { thisPath } from './this-path.js';

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
 * Runs `gitlab-meta-runner` with the given arguments through the full command line parser and returns the
 * exit code. (The bin sends `executor` steps to executor-fast.ts before this module loads.)
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const { runCli } = await import('./cli.js');
  return runCli(argv, { ...processIo(), ...io });
}
