import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The directory of a workspace package, e.g. `packageDir('cli')`. */
export function packageDir(name: string): string {
  const dir = join(repoRoot, 'packages', name);
  if (!existsSync(dir)) throw new Error(`no package directory ${dir}`);
  return dir;
}

/** Absolute path of tsx's ESM loader, for running TypeScript sources in child processes. */
export const tsxLoader = join(
  dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'loader.mjs',
);

/** Node arguments that run a package's TypeScript sources directly (workspace imports resolve to `src`). */
export const sourceNodeArgs: readonly string[] = ['--conditions=@mr/source', '--import', tsxLoader];
