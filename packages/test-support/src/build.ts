import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './paths.js';

/** What a package's build does not read: its output, its dependencies, tests and prose. */
const notInput = (name: string) =>
  name === 'dist' ||
  name === 'node_modules' ||
  name === 'test' ||
  name.endsWith('.test.ts') ||
  name.endsWith('.md') ||
  name.startsWith('.');

/** Newest (`pick` = Math.max) or oldest (`Math.min`) modification time of the files below `dir`. */
function fileTimes(dir: string, pick: (a: number, b: number) => number, skip = (_: string) => false): number {
  let result = Number.NaN;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? fileTimes(path, pick, skip) : statSync(path).mtimeMs;
    if (!Number.isNaN(time)) result = Number.isNaN(result) ? time : pick(result, time);
  }
  return result;
}

/** The workspace packages that have a build, by package name (`@mr/cli`) → directory. */
function builtPackages(): Map<string, string> {
  const packages = new Map<string, string>();
  const packagesDir = join(repoRoot, 'packages');
  for (const name of readdirSync(packagesDir)) {
    const file = join(packagesDir, name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; scripts?: { build?: string } };
    if (manifest.scripts?.build) packages.set(manifest.name, join(packagesDir, name));
  }
  return packages;
}

/**
 * The packages whose `dist` is missing or older than one of their build inputs (any file of the package but
 * its tests, docs and output) or than the shared build settings. Every build empties `dist` first, so its
 * oldest file tells when it was built.
 */
export function staleBuilds(): string[] {
  const shared = statSync(join(repoRoot, 'tsdown.base.ts')).mtimeMs;
  const stale: string[] = [];
  for (const [name, dir] of builtPackages()) {
    const dist = join(dir, 'dist');
    const built = existsSync(dist) ? fileTimes(dist, Math.min) : Number.NaN;
    const inputs = Math.max(shared, fileTimes(dir, Math.max, notInput));
    if (Number.isNaN(built) || inputs > built) stale.push(name);
  }
  return stale;
}

/** Holds `dir` (made with mkdir, which is atomic) while `work` runs; waits for a live holder to finish. */
async function withLock(dir: string, work: () => void): Promise<void> {
  const owner = join(dir, 'pid');
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(dir, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : Number.NaN);
      let alive = true;
      try {
        if (pid > 0) process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${dir} is still held by process ${pid}`);
      else await sleep(250);
    }
  }
  try {
    writeFileSync(owner, String(process.pid));
    work();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Builds the packages whose build is stale, with their dependents (a bundle may inline a dependency), so
 * that tests start the bins users run — the bundles in `dist` — and never an outdated one. Nothing happens
 * when every build is current. Used as vitest `globalSetup` by the projects whose tests start bins.
 */
export async function ensureBuilt(): Promise<void> {
  if (staleBuilds().length === 0) return;
  const cache = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  await withLock(join(cache, 'mr-test-build.lock'), () => {
    // Another test run may have built them while this one waited for the lock.
    const stale = staleBuilds();
    if (stale.length === 0) return;
    const filters = stale.flatMap((name) => ['--filter', `...${name}`]);
    const pnpm = process.env.npm_execpath?.includes('pnpm')
      ? [process.execPath, process.env.npm_execpath]
      : ['pnpm'];
    process.stderr.write(`building ${stale.join(', ')} (and dependents) for the tests that start bins\n`);
    const build = spawnSync(pnpm[0]!, [...pnpm.slice(1), ...filters, 'run', 'build'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (build.status !== 0)
      throw new Error(
        `the build for the tests failed (exit ${build.status ?? build.signal}):\n${build.stdout}${build.stderr}`,
      );
  });
}

/** vitest `globalSetup` entry. */
export default ensureBuilt;
