import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GitLabSimulator, startSimulator, writeRunnerStandin } from '@mr/gitlab-simulator';
import { openLauncher } from '@mr/launcher';
import { configure, formatConfigureSummary } from '@mr/registration';
import { createLogger } from '@mr/logger';
import { generatedConfigPath, loadConfig, statePath, tokensFilePath, tomlString } from '@mr/runner-config';
import type { CommandResult } from '../commands/command.js';
import { stopJobs } from '../demo/local-batch.js';
import { UsageError } from '../errors.js';
import type { CommandContext } from '../io.js';

/** The demo's runner instances and the tag sets of the jobs it queues (one set no instance can take). */
const tagSets: readonly (readonly string[])[] = [['hpc', 'cpu'], ['cpu'], ['hpc', 'gpu'], [], ['gpu']];
const unmatchableTags = ['arm64'];
const demoTimeoutMs = 120_000;

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
project = "demo/hpc-project"
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
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 2
"""
timeout = 30
group_size = 2
batch_system = "generic"
status_command = [${tomlString(join(bin, 'squeue'))}]

[runner]
builds_dir = ${tomlString(join(dir, 'builds', '$NAME'))}
cache_dir = ${tomlString(join(dir, 'cache'))}
executor = "custom"
`;
}

interface Progress {
  pending: number;
  running: number;
  done: number;
  inFlight: number;
}

function progressLine(p: Progress, matchable: number, seconds: number): string {
  return `${seconds.toFixed(0).padStart(3)}s  done ${String(p.done).padStart(3)}/${matchable}  running ${p.running}  pending ${p.pending}  runners in flight ${p.inFlight}`;
}

/** Runs the demo and returns its exit code: 0 when every matchable job was done. */
export async function demoHandler(
  context: CommandContext,
  args: Record<string, unknown>,
): Promise<CommandResult> {
  for (const option of ['config-file', 'data-dir', 'generated-config-file']) {
    if (args[option] !== undefined)
      throw new UsageError(
        `demo does not use --${option}: it writes its own config and data directory`,
        'name the directory the demo works in with --dir',
      );
  }
  const jobs = typeof args.jobs === 'number' ? args.jobs : Number.NaN;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 200) {
    throw new UsageError(
      `--jobs takes a whole number from 1 to 200, not ${JSON.stringify(args.jobs)}`,
      'for example: gitlab-meta-runner demo --jobs 20',
    );
  }
  const keep = Boolean(args.keep) || typeof args.dir === 'string';
  const dir =
    typeof args.dir === 'string'
      ? resolve(context.cwd, args.dir)
      : mkdtempSync(join(tmpdir(), 'gitlab-meta-runner-demo-'));
  const out = context.stdout;
  const tty = out.isTTY === true && context.logFormat === 'text';
  const bin = join(dir, 'bin');
  const spool = join(dir, 'spool');
  const dataDir = join(dir, 'data');
  for (const d of [bin, spool, dataDir]) mkdirSync(d, { recursive: true });

  let sim: GitLabSimulator | undefined;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  try {
    sim = await startSimulator({ projects: [{ id: 1, path: 'demo/hpc-project' }] });
    const queued = sim.addJobs(
      Array.from({ length: jobs }, (_, i) => ({ name: `test-${i + 1}`, tags: tagSets[i % tagSets.length]! })),
    );
    sim.addJobs([{ name: 'build-arm64', tags: unmatchableTags }]);
    const matchableIds = new Set(queued.map((j) => j.id));

    const launchBatch = moduleCommand('demo/local-batch-bin');
    writeExecutable(join(bin, 'sbatch'), [...launchBatch, 'submit', spool]);
    writeExecutable(join(bin, 'squeue'), [...launchBatch, 'queue', spool]);
    writeRunnerStandin(bin);
    const configFile = join(dir, 'config.toml');
    writeFileSync(configFile, demoConfig(sim.url, dir));

    const env: Record<string, string | undefined> = {
      ...context.env,
      PATH: `${bin}:${context.env.PATH ?? ''}`,
      DEMO_GITLAB_TOKEN: sim.token,
      MR_STANDIN_JOB_MS: context.env.MR_STANDIN_JOB_MS ?? '700',
    };
    const logger = createLogger({
      level: context.logLevel,
      format: context.logFormat,
      env: context.env,
      // On a terminal, a log line first clears the progress line it interrupts.
      stream: tty
        ? { isTTY: true, write: (s: string) => context.stderr.write(`\r\x1b[K${s}`) }
        : context.stderr,
      secrets: [sim.token],
    });

    out.write(
      `GitLab simulator on ${sim.url}, project demo/hpc-project: ${jobs} pending jobs for the runner instances cpu and gpu, and 1 (tags: ${unmatchableTags.join(', ')}) that no instance can take.\n`,
    );
    out.write(`Config: ${configFile}\n\n== configure\n`);
    const config = await loadConfig(configFile, { env });
    const home = env.HOME ?? tmpdir();
    const configured = await configure({
      config,
      dataDir,
      context: { thisPath: context.thisPath, env, home },
      logger,
    });
    out.write(`${formatConfigureSummary(configured)}\n`);
    if (configured.failed.length > 0) return 1;

    out.write('\n== run (poll every second, launch through the local stand-in for sbatch)\n');
    const { launcher, client } = await openLauncher({
      config,
      dataDir,
      thisPath: context.thisPath,
      env,
      logger,
    });
    let launches = 0;
    let failedLaunches = 0;
    const loop = launcher
      .run({
        intervalMs: 1000,
        signal: stop.signal,
        onCycle: (cycle) => {
          launches += cycle.launched;
          failedLaunches += cycle.failed;
        },
      })
      .finally(async () => {
        await launcher.close();
        await client.close();
      });

    const progress = (): Progress => {
      const all = sim!.jobs().filter((j) => matchableIds.has(j.id));
      return {
        pending: all.filter((j) => j.status === 'pending').length,
        running: all.filter((j) => j.status === 'running').length,
        done: all.filter((j) => j.status === 'success' || j.status === 'failed').length,
        inFlight: launcher.state.launches.length,
      };
    };
    let last = '';
    let current = progress();
    while (!stop.signal.aborted && current.done < jobs && Date.now() - started < demoTimeoutMs) {
      const line = progressLine(current, jobs, (Date.now() - started) / 1000);
      const shown = line.replace(/^\s*\d+s\s+/, '');
      if (tty) out.write(`\r\x1b[K${line}`);
      else if (shown !== last) out.write(`${line}\n`);
      last = shown;
      await new Promise((r) => setTimeout(r, 250));
      current = progress();
    }
    const finished = current.done >= jobs;
    stop.abort();
    await loop;
    if (tty) out.write(`\r\x1b[K${progressLine(current, jobs, (Date.now() - started) / 1000)}\n`);
    else out.write(`${progressLine(current, jobs, (Date.now() - started) / 1000)}\n`);

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const unmatched = sim.jobs().filter((j) => !matchableIds.has(j.id) && j.status === 'pending').length;
    out.write('\n== summary\n');
    out.write(
      finished
        ? `All ${jobs} matchable jobs done in ${seconds} s by ${launches} launches (group_size 2, so one runner takes up to 2 jobs); ${failedLaunches} failed launches.\n`
        : `Stopped after ${seconds} s with ${current.done} of ${jobs} matchable jobs done.\n`,
    );
    out.write(
      `${unmatched} job left pending: no runner instance has the tags ${unmatchableTags.join(', ')}.\n`,
    );
    const files = [
      ['config', configFile],
      ['runner tokens (0600)', tokensFilePath(dataDir, config.name)],
      ['generated gitlab-runner config (0600)', generatedConfigPath(dataDir, config.name)],
      ['launch state', statePath(dataDir, config.name)],
      ['batch job scripts and output', spool],
    ];
    if (keep) {
      out.write(`\nFiles, kept in ${dir}:\n`);
      for (const [what, path] of files) out.write(`  ${what}: ${path}\n`);
      out.write(`Try: gitlab-meta-runner status --config-file ${configFile} --data-dir ${dataDir}\n`);
    } else {
      out.write(
        '\nThe demo directory was removed; run with --keep to look at the config, tokens, state and logs.\n',
      );
    }
    return finished ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      stopJobs(spool);
    } catch {
      // The spool may not exist if setup failed.
    }
    await sim?.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
