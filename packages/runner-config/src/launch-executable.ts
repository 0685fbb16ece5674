import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Where a program would be found: a name without "/" in the directories of `path` (as `execvp` searches),
 * a path relative to `cwd`. Undefined when there is no executable file there.
 */
export function findExecutable(program: string, options: { path?: string | undefined; cwd: string }) {
  const candidates = program.includes('/')
    ? [resolve(options.cwd, program)]
    : (options.path ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable: the next one
    }
  }
  return undefined;
}
