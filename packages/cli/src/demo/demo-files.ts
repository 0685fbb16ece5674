// The files of a demo directory: stand-ins for sbatch, squeue, gitlab-runner and apptainer in bin/, a local
// image registry (busybox root filesystems) when image stages can run isolated, and a config that points at
// a GitLab simulator and runs jobs through our executor. Shared by `demo` and `demo --serve`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildImageRegistry,
  type GitLabSimulator,
  installStandInApptainer,
  isolationUnavailable,
  type JobSpec,
  type SimJob,
  writeRunnerStandin,
} from '@mr/gitlab-simulator';
import { tomlString } from '@mr/runner-config';

/** The demo's runner instances and the tag sets of the jobs it queues (one set no instance can take). */
const tagSets: readonly (readonly string[])[] = [['hpc', 'cpu'], ['cpu'], ['hpc', 'gpu'], [], ['gpu']];
export const unmatchableTags = ['arm64'];
export const demoProject = 'demo/hpc-project';

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The command line that runs one of this package's modules: from sources through tsx, or from dist. */
function moduleCommand(sourceRelative: string): string[] {
  const here = fileURLToPath(import.meta.url);
  const root = dirname(createRequire(here).resolve('@mr/cli/package.json'));
  if (here.endsWith('.ts')) {
    // Running from the repository's sources: load them through tsx, as the parent process does.
    const tsx = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'loader.mjs');
    return [
      process.execPath,
      '--conditions=@mr/source',
      '--import',
      tsx,
      join(root, 'src', `${sourceRelative}.ts`),
    ];
  }
  return [process.execPath, join(root, 'dist', `${sourceRelative}.js`)];
}

function writeExecutable(path: string, command: readonly string[]): void {
  writeFileSync(path, `#!/bin/sh\nexec ${command.map(quote).join(' ')} "$@"\n`, { mode: 0o755 });
}

function demoConfig(url: string, dir: string): string {
  const bin = join(dir, 'bin');
  return `# The demo's config: a simulated GitLab on loopback and a local stand-in for Slurm.
name = "demo"
project = "${demoProject}"
hostname = ${tomlString(url)}
# The token stays out of the file: it is read from the environment.
management_token = "$DEMO_GITLAB_TOKEN"

[runners.cpu]
tags = ["hpc", "cpu"]
run_untagged = true

[runners.gpu]
tags = ["hpc", "gpu"]
launch_priority = 10
config_variables = { PARTITION = "gpu" }

[poll]
interval = 1

[launch]
executable = ${tomlString(join(bin, 'sbatch'))}
args = ["--parsable", "--partition=\${PARTITION:-cpu}"]
workdir = ${tomlString(join(dir, 'launch'))}
stdin = """
#!/bin/sh
exec ${quote(join(bin, 'gitlab-runner'))} run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 2
"""
timeout = 30
group_size = 2
batch_system = "generic"
status_command = [${tomlString(join(bin, 'squeue'))}]

# Jobs run through our executor (gitlab-meta-runner executor) with the demo's stand-in apptainer.
[executor]
image_dir = ${tomlString(join(dir, 'images'))}
apptainer_executable = ${tomlString(join(bin, 'apptainer'))}

[runner]
builds_dir = ${tomlString(join(dir, 'builds', '$NAME'))}
cache_dir = ${tomlString(join(dir, 'cache'))}
executor = "custom"
`;
}

/** Where a demo directory keeps what. */
export interface DemoDir {
  dir: string;
  /** The stand-ins: sbatch and squeue (a local batch system), gitlab-runner. */
  bin: string;
  /** The local batch system's job scripts and output. */
  spool: string;
  dataDir: string;
  configFile: string;
  /** The local image registry the stand-in apptainer pulls from, when image stages run isolated. */
  registry: string | undefined;
  /** Why image stages run on the host, not isolated (undefined: they run isolated). */
  notIsolated: string | undefined;
}

/** The images of the demo's jobs. */
export const demoImages = ['alpine:3.20', 'busybox:1.36'];

/** Writes the stand-ins and the config for `sim` into `dir`. */
export function writeDemoDir(dir: string, sim: GitLabSimulator): DemoDir {
  const d: DemoDir = {
    dir,
    bin: join(dir, 'bin'),
    spool: join(dir, 'spool'),
    dataDir: join(dir, 'data'),
    configFile: join(dir, 'config.toml'),
    registry: undefined,
    notIsolated: isolationUnavailable(),
  };
  for (const sub of [d.bin, d.spool, d.dataDir]) mkdirSync(sub, { recursive: true });
  const launchBatch = moduleCommand('demo/local-batch-bin');
  writeExecutable(join(d.bin, 'sbatch'), [...launchBatch, 'submit', d.spool]);
  writeExecutable(join(d.bin, 'squeue'), [...launchBatch, 'queue', d.spool]);
  writeRunnerStandin(d.bin);
  if (!d.notIsolated) d.registry = buildImageRegistry(join(dir, 'registry'), demoImages);
  installStandInApptainer(d.bin, d.registry ? { registry: d.registry, isolate: true } : {});
  writeFileSync(d.configFile, demoConfig(sim.url, dir));
  return d;
}

/** The kinds of job the demo runs, in turn: real scripts with the outcomes a user meets. */
const demoJobs: readonly JobSpec[] = [
  {
    name: 'pass',
    image: 'alpine:3.20',
    script: [
      'cat README.md',
      `echo "the build works, in the image $(cat /etc/mr-image 2>/dev/null || echo '(none: not isolated)')"`,
    ],
  },
  { name: 'fail', image: 'alpine:3.20', script: ['echo "running the tests"', 'exit 3'] },
  {
    name: 'allowed-to-fail',
    image: 'busybox:1.36',
    script: ['echo "a flaky check"', 'exit 4'],
    allowFailureExitCodes: [4],
  },
  {
    name: 'cache-and-artifact',
    image: 'alpine:3.20',
    script: [
      'mkdir -p deps out',
      'if [ -f deps/downloaded ]; then echo "dependencies restored from the cache"; else echo fetched > deps/downloaded; fi',
      'date > out/report.txt',
      'echo "report written to out/report.txt"',
    ],
    cache: [{ key: 'deps', paths: ['deps/'] }],
    artifacts: [{ paths: ['out/'] }],
  },
  {
    name: 'after-script',
    image: 'busybox:1.36',
    script: ['echo "main script"', 'false'],
    afterScript: ['echo "after_script sees CI_JOB_STATUS=$CI_JOB_STATUS"'],
  },
];

/** A job's state as the summary shows it. */
export function stateText(job: SimJob): string {
  if (job.status === 'failed' && job.allowedToFail)
    return `failed with exit code ${job.exitCode} (allowed to fail)`;
  if (job.status === 'failed' && job.exitCode !== null) return `failed with exit code ${job.exitCode}`;
  if (job.status === 'failed') return `failed (${job.failureReason ?? 'unknown'})`;
  return job.status;
}

const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The last lines of a job log, without colours. */
export function logTail(trace: string, lines: number): string[] {
  return trace.replace(ansiColour, '').trimEnd().split('\n').slice(-lines);
}

/** Queues `count` jobs the demo's instances can take and one no instance can; returns the ids of the first. */
export function queueDemoJobs(sim: GitLabSimulator, count: number): Set<number> {
  const queued = sim.addJobs(
    Array.from({ length: count }, (_, i) => ({
      ...demoJobs[i % demoJobs.length]!,
      name: `${demoJobs[i % demoJobs.length]!.name}-${i + 1}`,
      tags: tagSets[i % tagSets.length]!,
    })),
  );
  sim.addJobs([{ name: 'build-arm64', tags: unmatchableTags }]);
  return new Set(queued.map((j) => j.id));
}
