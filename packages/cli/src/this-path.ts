// Without the ES module wrapper of node:path: this module is on the executor's hot path (see bin.ts).
const { resolve } = process.getBuiltinModule('node:path');

/**
 * Where `$THIS` points: `GITLAB_META_RUNNER_THIS` when the command runs through a wrapper (a module system,
 * a container), else the running program.
 */
export function thisPath(env: Record<string, string | undefined> = process.env): string {
  return env.GITLAB_META_RUNNER_THIS || resolve(process.argv[1] ?? 'gitlab-meta-runner');
}
