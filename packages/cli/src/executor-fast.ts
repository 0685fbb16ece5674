// The hot path of `gitlab-meta-runner executor INSTANCE STEP`, which gitlab-runner starts about ten times per
// job. bin.ts routes here before anything else loads; the build bundles this file with everything it needs.
import type { ScannedArgv } from './global-options.js';
import { executorFastPath } from './handlers/executor.js';
import { thisPath } from './this-path.js';

/** Runs the executor step, or returns undefined when the arguments need the full command line parser. */
export function runExecutorFast(scanned: ScannedArgv): Promise<number | undefined> {
  return executorFastPath(scanned, { env: process.env, cwd: process.cwd(), thisPath: thisPath() });
}
