// The whole path, set up for the end-to-end tests and the benchmark: a GitLab simulator with one project, a
// config whose runner `cpu` uses our executor (`gitlab-meta-runner executor`) with the stand-in apptainer,
// `configure` run once, and `gitlab-meta-runner run` started with a batch command (a local background
// command, `bg-submit`, or the real Slurm's sbatch) that launches the stand-in gitlab-runner. Where
// bubblewrap and a static busybox are installed, the stand-in apptainer pulls images from a local registry
// of busybox root filesystems and runs image stages isolated in them.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';
import {
  buildImageRegistry,
  installStandInApptainer,
  isolationUnavailable,
  makeTempDir,
  type StandInApptainer,
  writeDevBin,
} from '@mr/test-support';

/** The images the local registry holds. */
export const registryImages = ['alpine:3.20', 'busybox:1.36'];

export interface WholePath {
  dir: string;
  sim: GitLabSimulator;
  apptainer: StandInApptainer;
  /** Image stages run isolated (bubblewrap, busybox images). */
  isolated: boolean;
  /** MR_STANDIN_RECORD: one JSON line per stand-in runner run, written when it exits. */
  record: string;
  /** What `gitlab-meta-runner run` wrote to stderr so far. */
  stderr(): string;
  /** Stops `run` (SIGTERM) and the simulator. */
  close(): Promise<void>;
}

export interface WholePathOptions {
  /** `[poll] interval` in seconds. */
  interval: number;
  /** Temp directory prefix. */
  prefix: string;
  /** Launch through the real Slurm's sbatch instead of a local background command. */
  slurm?: boolean;
  /** Run image stages isolated when the machine can (default true). */
  isolate?: boolean;
  /**
   * Serve the group `bench` (projects `bench/project` and `bench/sub/deep`) with group runners instead of
   * the project `bench/project`.
   */
  group?: boolean;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });

const runSingle = `#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
`;

function launchSection(dir: string, slurm: boolean): string {
  if (!slurm) return `executable = "bg-submit"\nstdin = """\n${runSingle}"""`;
  // Each batch job's output lands in launch/, where a failing test can read it.
  return `executable = "sbatch"
args = ["--parsable", "--output=${join(dir, 'launch', 'slurm-%j.out')}"]
workdir = "${join(dir, 'launch')}"
stdin = """
${runSingle}"""
timeout = 60`;
}

export async function startWholePath(options: WholePathOptions): Promise<WholePath> {
  const dir = makeTempDir(options.prefix);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(dir, 'launch'), { recursive: true });
  writeDevBin(bin, 'mr-gitlab-runner-standin', 'gitlab-runner');
  const meta = writeDevBin(bin, 'gitlab-meta-runner');
  const isolated = options.isolate !== false && isolationUnavailable() === undefined;
  const registry = buildImageRegistry(join(dir, 'registry'), isolated ? registryImages : []);
  const apptainer = installStandInApptainer(dir, isolated ? { registry, isolate: true } : {});
  writeFileSync(
    join(bin, 'bg-submit'),
    '#!/bin/sh\nscript=$(mktemp)\ncat > "$script"\nnohup sh "$script" > "$script.out" 2>&1 < /dev/null &\necho $!\n',
    { mode: 0o755 },
  );
  const sim = await startSimulator(
    options.group
      ? {
          groups: [{ path: 'bench' }, { path: 'bench/sub' }],
          projects: [
            { id: 1, path: 'bench/project' },
            { id: 2, path: 'bench/sub/deep' },
          ],
        }
      : { projects: [{ id: 1, path: 'bench/project' }] },
  );
  const record = join(dir, 'runs.jsonl');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    HOME: dir,
    BENCH_TOKEN: sim.token,
    MR_STANDIN_RECORD: record,
    MR_STANDIN_TIME_SCRIPTS: '1',
  };
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `name = "bench"
${options.group ? 'group = "bench"' : 'project = "bench/project"'}
hostname = "${sim.url}"
management_token = "$BENCH_TOKEN"

[runners.cpu]
tags = ["cpu"]

[poll]
interval = ${options.interval}

[launch]
${launchSection(dir, options.slurm === true)}

[executor]
image_dir = "${join(dir, 'images')}"
apptainer_executable = "${apptainer.path}"

[runner]
executor = "custom"
builds_dir = "${join(dir, 'builds', '$NAME')}"
cache_dir = "${join(dir, 'cache')}"
`,
  );
  const cli = (args: string[]) =>
    spawn(meta, ['--config-file', config, '--data-dir', join(dir, 'data'), ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  let stderr = '';
  const configured = cli(['configure']);
  configured.stderr!.on('data', (d) => (stderr += d));
  await exited(configured);
  if (configured.exitCode !== 0) {
    await sim.close();
    throw new Error(`configure failed (${configured.exitCode}):\n${stderr}`);
  }
  const run = cli(['run']);
  run.stderr!.on('data', (d) => (stderr += d));
  return {
    dir,
    sim,
    apptainer,
    isolated,
    record,
    stderr: () => stderr,
    async close() {
      run.kill('SIGTERM');
      await exited(run);
      await sim.close();
    },
  };
}
