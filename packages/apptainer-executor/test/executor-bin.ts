import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@mr/test-support';
import { build } from 'tsdown';
import { binConfig } from '../build-options.ts';

let bundle: Promise<string> | undefined;

/**
 * Bundles `mr-apptainer-executor` from the current sources exactly as the package build does (one file,
 * dependencies inlined) — about 0.1 s once per test file — and returns the bundle's path. Tests start it as
 * gitlab-runner would, at the start-up cost users see instead of a TypeScript loader's.
 */
export function bundledExecutorBin(): Promise<string> {
  bundle ??= (async () => {
    const outDir = makeTempDir('mr-executor-bin-');
    await build({ ...binConfig(outDir), config: false, logLevel: 'silent' });
    return join(outDir, 'bin.cjs');
  })();
  return bundle;
}

/** An executable `<dir>/mr-apptainer-executor` running the bundle built from the sources. */
export async function writeExecutorBin(dir: string): Promise<string> {
  const path = join(dir, 'mr-apptainer-executor');
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    path,
    `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(await bundledExecutorBin())} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
