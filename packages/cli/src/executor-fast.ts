// The hot path of `gitlab-meta-runner executor INSTANCE STEP`, which gitlab-runner starts about ten times per
// job. The published bin (bin/gitlab-meta-runner.cjs) requires this module's CommonJS bundle before anything
// else loads, which spares Node its ES module loader on this path; bin.ts does the same from the sources.
import { scanArgv } from './global-options.js';
import { executorFastPath } from './handlers/executor.js';
import { thisPath } from './this-path.js';

/**
 * Runs an `executor` step when the command line is one (global options allowed around it); resolves to
 * undefined when the full command line parser is needed instead.
 */
export async function runExecutorFast(argv: readonly string[]): Promise<number | undefined> {
  const scanned = scanArgv(argv);
  if (!scanned.simple || scanned.rest[0] !== 'executor') return undefined;
  return executorFastPath(scanned, { env: process.env, cwd: process.cwd(), thisPath: thisPath() });
}
