// Test fixture for `run` and `run-single`: a GitLab simulator, a config file, a data directory set up by
// `configure` (runners registered, tokens + generated gitlab-runner config), and a bin directory with the
// stand-in `gitlab-runner`, `gitlab-meta-runner` and a tiny local batch system (`bg-submit`/`bg-status`).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GitLabSimulator, type SimulatorOptions, startSimulator } from '@mr/gitlab-simulator';
import { configure } from '@mr/registration';
import { loadConfig } from '@mr/runner-config';
import { makeTempDir, type RunBinOptions, runCli, writeDevBin } from '@mr/test-support';

export interface FixtureInstance {
  tags: string[];
  run_untagged?: boolean;
  launch_priority?: number;
  max_in_flight?: number;
  /** More TOML lines of the instance's table (and sub-tables after them). */
  extra?: string;
}

export interface FixtureOptions {
  instances: Record<string, FixtureInstance>;
  /** The body of `[launch]` (TOML). */
  launch: string;
  /** `[poll] interval` in seconds. Default 0.2. */
  interval?: number;
  /** More `[poll]` keys and sub-tables (TOML lines after `interval`). */
  poll?: string;
  simulator?: SimulatorOptions;
  /** Extra environment of the CLI. */
  env?: Record<string, string>;
  /** Extra top-level keys of the config file (TOML lines). */
  top?: string;
  /** What the config covers, in place of `project = <the first project>`: `group = "lab"`, `projects = [...]`. */
  scope?: string;
}

export interface LaunchFixture {
  dir: string;
  dataDir: string;
  binDir: string;
  configFile: string;
  stateFile: string;
  sim: GitLabSimulator;
  /** The CLI's environment: PATH with binDir first, the management token, stand-in settings. */
  env: Record<string, string>;
  /** Runs `gitlab-meta-runner <args> --config-file ... --data-dir ...`. */
  cli(args: string[], options?: RunBinOptions): ReturnType<typeof runCli>;
  /** Job ids taken by stand-in runners, one entry per take (from MR_STANDIN_RECORD). */
  takenJobs(): number[];
  /** Stand-in runner runs recorded so far. */
  runnerRuns(): { argv: string[]; jobs: number[]; exitCode: number }[];
  /** Ids printed by `bg-submit`, one per launch. */
  submitted(): string[];
  close(): Promise<void>;
}

const bgSubmit = `#!/bin/sh
# A local batch system for tests: runs the script on stdin in the background, prints its pid as the job id.
set -e
script=$(mktemp "$BATCH_DIR/job.XXXXXX")
cat > "$script"
nohup sh "$script" > "$script.out" 2>&1 < /dev/null &
echo $! >> "$BATCH_DIR/submitted"
echo $!
`;

const bgStatus = `#!/bin/sh
# Prints "<pid> R" for every job of bg-submit that still runs.
[ -f "$BATCH_DIR/submitted" ] || exit 0
while read -r pid; do
  if [ -e "/proc/$pid" ] && ! grep -q ') Z' "/proc/$pid/stat" 2>/dev/null; then echo "$pid R"; fi
done < "$BATCH_DIR/submitted"
`;

function tomlString(value: string): string {
  return JSON.stringify(value);
}

export async function launchFixture(options: FixtureOptions): Promise<LaunchFixture> {
  const dir = makeTempDir('mr-run-');
  const dataDir = join(dir, 'data');
  const binDir = join(dir, 'bin');
  const batchDir = join(dir, 'batch');
  for (const d of [dataDir, binDir, batchDir]) mkdirSync(d, { recursive: true });
  writeDevBin(binDir, 'mr-gitlab-runner-standin', 'gitlab-runner');
  const thisPath = writeDevBin(binDir, 'gitlab-meta-runner');
  for (const [name, text] of [
    ['bg-submit', bgSubmit],
    ['bg-status', bgStatus],
  ] as const) {
    writeFileSync(join(binDir, name), text);
    chmodSync(join(binDir, name), 0o755);
  }

  const sim = await startSimulator(options.simulator);
  const record = join(dir, 'standin.jsonl');
  const env: Record<string, string> = {
    PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    MR_TEST_TOKEN: sim.token,
    MR_STANDIN_RECORD: record,
    MR_STANDIN_JOB_MS: '50',
    MR_STANDIN_POLL_MS: '100',
    BATCH_DIR: batchDir,
    ...options.env,
  };

  const runners = Object.entries(options.instances)
    .map(([name, i]) => {
      const lines = [`[runners.${tomlString(name)}]`, `tags = ${JSON.stringify(i.tags)}`];
      if (i.run_untagged !== undefined) lines.push(`run_untagged = ${i.run_untagged}`);
      if (i.launch_priority !== undefined) lines.push(`launch_priority = ${i.launch_priority}`);
      if (i.max_in_flight !== undefined) lines.push(`max_in_flight = ${i.max_in_flight}`);
      if (i.extra !== undefined) lines.push(i.extra);
      return lines.join('\n');
    })
    .join('\n\n');
  const configFile = join(dir, 'meta.toml');
  writeFileSync(
    configFile,
    `name = "meta"
${options.scope ?? `project = ${tomlString(sim.project.path)}`}
hostname = ${tomlString(sim.url)}
management_token = "$MR_TEST_TOKEN"
${options.top ?? ''}

${runners}

[poll]
interval = ${options.interval ?? 0.2}
${options.poll ?? ''}

[launch]
${options.launch}

[runner]
builds_dir = "$HOME/builds/$NAME"
cache_dir = "$HOME/cache"
executor = "shell"
`,
  );

  // Register one runner per instance in the simulator, store the tokens, write the gitlab-runner config.
  const config = await loadConfig(configFile, { env });
  const configured = await configure({
    config,
    dataDir,
    context: { thisPath, env, home: dir, configFile },
  });
  if (configured.failed.length > 0)
    throw new Error(`configure failed: ${configured.failed[0]!.error.message}`);

  const readLines = (file: string) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
      : [];
  return {
    dir,
    dataDir,
    binDir,
    configFile,
    stateFile: join(dataDir, 'meta.state'),
    sim,
    env,
    cli: (args, runOptions = {}) =>
      runCli([...args, '--config-file', configFile, '--data-dir', dataDir], {
        ...runOptions,
        env: { ...env, ...runOptions.env },
      }),
    runnerRuns: () => readLines(record).map((l) => JSON.parse(l)),
    takenJobs: () => readLines(record).flatMap((l) => (JSON.parse(l) as { jobs: number[] }).jobs),
    submitted: () => readLines(join(batchDir, 'submitted')),
    close: () => sim.close(),
  };
}

/** Resolves once `check()` is true, polling every 50 ms; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 60_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
