// 16 jobs prepared at once with the same image, as when a pipeline fans out on one node (or on nodes
// sharing the image directory): one pull, and about the wall time of one prepare. Uses the built bin
// (`pnpm build`) and the stand-in apptainer, whose pull takes PULL_MS.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJobSession,
  customExecutor,
  installStandInApptainer,
  makeTempDir,
  packageDir,
  removeTempDirs,
} from '@mr/test-support';

const PULL_MS = Number(process.env.MR_BENCH_PULL_MS ?? 4000);
const JOBS = 16;
const TARGET = 1.2;

const bin = join(packageDir('apptainer-executor'), 'dist', 'bin.cjs');
if (!existsSync(bin)) {
  console.error(`${bin} is missing: run "pnpm build" first`);
  process.exit(1);
}

/** Prepares `jobs` jobs at once in a fresh image directory; returns the wall time and the number of pulls. */
async function prepareAtOnce(jobs: number): Promise<{ ms: number; pulls: number; failures: number }> {
  const dir = makeTempDir('mr-bench-pull-');
  const apptainer = installStandInApptainer(dir, { pullMs: PULL_MS });
  const config = join(dir, 'executor.toml');
  writeFileSync(
    config,
    `builds_dir = "${dir}/builds"\nimage_dir = "${dir}/images"\napptainer_executable = "${apptainer.path}"\n`,
  );
  const executor = customExecutor(process.execPath, [bin, '--config', config]);
  const sessions = Array.from({ length: jobs }, (_, i) =>
    createJobSession(executor, { id: 1000 + i, image: 'ghcr.io/org/big-toolchain:2025.1' }, { tmpRoot: dir }),
  );
  const start = process.hrtime.bigint();
  const calls = await Promise.all(sessions.map((s) => s.prepare()));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const pulls = readFileSync(apptainer.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"op":"pull"')).length;
  return { ms, pulls, failures: calls.filter((c) => c.exitCode !== 0).length };
}

const one = await prepareAtOnce(1);
const many = await prepareAtOnce(JOBS);
console.log(
  `pull takes ${PULL_MS} ms; one prepare: ${one.ms.toFixed(0)} ms; ${JOBS} at once: ${many.ms.toFixed(0)} ms`,
);
if (one.failures + many.failures > 0) console.log(`failed prepares: ${one.failures + many.failures}`);
const ratio = many.ms / one.ms;
console.log(
  `RESULT concurrent-prepare-wall ${ratio.toFixed(2)} x-one-prepare target=<=${TARGET} ok=${ratio <= TARGET && many.failures === 0}`,
);
console.log(`RESULT concurrent-prepare-pulls ${many.pulls} pulls target=1 ok=${many.pulls === 1}`);
removeTempDirs();
