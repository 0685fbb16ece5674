import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The list of test projects: one per package, each running its own tests against its sources. Projects
// extend the root config, which resolves workspace imports through the `@mr/source` export condition.
const packagesDir = join(import.meta.dirname, 'packages');

/** Builds stale packages before the tests that start the built bins (`runBin`, `writeDevBin`). */
const buildBins = join(packagesDir, 'test-support', 'src', 'build.ts');

/**
 * Projects whose tests start real processes. On a busy 2-core machine a process start costs seconds (a
 * test of `run` starts a dozen), so their tests and hooks get limits that fit that, and few of their
 * `it.concurrent` tests run at once. Test files do not set their own limits.
 */
const spawning: Record<string, { testTimeout: number; hookTimeout: number; globalSetup?: string[] }> = {
  cli: { testTimeout: 180_000, hookTimeout: 120_000, globalSetup: [buildBins] },
  'apptainer-executor': { testTimeout: 180_000, hookTimeout: 120_000 },
  'gitlab-simulator': { testTimeout: 60_000, hookTimeout: 60_000, globalSetup: [buildBins] },
  launcher: { testTimeout: 60_000, hookTimeout: 60_000 },
};

export default readdirSync(packagesDir)
  .filter((name) => existsSync(join(packagesDir, name, 'package.json')))
  .sort()
  .map((name) => ({
    extends: true as const,
    root: join(packagesDir, name),
    test: { name: `@mr/${name}`, ...(spawning[name] && { ...spawning[name], maxConcurrency: 2 }) },
  }));
