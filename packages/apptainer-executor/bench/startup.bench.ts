// Start-up of the executor's config step, which gitlab-runner runs for every job (and the other steps ~10
// times per job), through both built bins, against a bare `node -e 0` measured side by side.
// Needs `pnpm build` (or `npx tsdown` in apptainer-executor, runner-config, template, logger and cli).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, packageDir, removeTempDirs } from '@mr/test-support';

const RUNS = Number(process.env.MR_BENCH_RUNS ?? 31);
const TARGET = 1.5;

const executorBin = join(packageDir('apptainer-executor'), 'dist', 'bin.cjs');
const cliBin = join(packageDir('cli'), 'bin', 'gitlab-meta-runner.cjs');
for (const bin of [executorBin, cliBin]) {
  if (!existsSync(bin)) {
    console.error(`${bin} is missing: run "pnpm build" first`);
    process.exit(1);
  }
}

const dir = makeTempDir('mr-bench-startup-');
const standalone = join(dir, 'executor.toml');
writeFileSync(
  standalone,
  `builds_dir = "${dir}/builds"\ncache_dir = "${dir}/cache"\nimage_dir = "${dir}/images"\ndescription = "Slurm job $SLURM_JOB_ID"\n`,
);
const config = join(dir, 'config.toml');
writeFileSync(
  config,
  `name = "bench"
project = "group/project"
hostname = "gitlab.example.com"
management_token = "$GITLAB_TOKEN"

[runners.gpu]
tags = ["gpu"]
[runners.gpu.config_variables]
SITE = "${dir}"

[poll]
interval = 30

[launch]
executable = "sbatch"

[executor]
image_dir = "$SITE/images"
description = "Slurm job $SLURM_JOB_ID"

[runner]
builds_dir = "$SITE/builds/$NAME"
cache_dir = "$SITE/cache"
`,
);

const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  CUSTOM_ENV_CI_JOB_ID: '12345',
  BUILD_FAILURE_EXIT_CODE: '1',
  SYSTEM_FAILURE_EXIT_CODE: '2',
  SLURM_JOB_ID: '777',
};
const commands: Record<string, string[]> = {
  node: ['-e', '0'],
  'mr-apptainer-executor': [executorBin, '--config', standalone, 'config'],
  'gitlab-meta-runner executor': [cliBin, '--config-file', config, 'executor', 'gpu', 'config'],
};

function once(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  if (args[0] !== '-e' && !JSON.parse(run.stdout).builds_dir.endsWith('/12345'))
    throw new Error(`bad output: ${run.stdout}`);
  return ms;
}

const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const names = Object.keys(commands);
for (const name of names) once(commands[name]!); // warm the file system cache
for (let round = 0; round < RUNS; round++) {
  // Side by side: every round runs each command once, in a rotating order.
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]!;
    times[name]!.push(once(commands[name]!));
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const base = median(times.node!);
console.log(`median of ${RUNS} starts, Node ${process.version}`);
for (const name of names) console.log(`  ${name.padEnd(28)} ${median(times[name]!).toFixed(1)} ms`);
for (const [name, label] of [
  ['mr-apptainer-executor', 'executor-config-startup-standalone'],
  ['gitlab-meta-runner executor', 'executor-config-startup-meta-runner'],
] as const) {
  const ratio = median(times[name]!) / base;
  console.log(`RESULT ${label} ${ratio.toFixed(2)} x-node target=<=${TARGET} ok=${ratio <= TARGET}`);
}
removeTempDirs();
