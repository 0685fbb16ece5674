// The harness of the launcher's tests: a fake generic batch system made of shell scripts, a recording
// logger, and launchers that are closed after each test.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFields, Logger } from '@mr/logger';
import { makeTempDir } from '@mr/test-support';
import { Launcher, type LauncherOptions, type LaunchSettings } from '../src/launcher.js';
import type { MatchableJob } from '../src/match.js';
import type { PlanInstance } from '../src/plan.js';

const open: Launcher[] = [];

/** Closes every launcher opened by {@link launcherFor} (for `afterEach`). */
export async function closeLaunchers(): Promise<void> {
  for (const l of open.splice(0)) await l.close();
}

export interface Line {
  level: string;
  message: string;
  fields?: LogFields | undefined;
}

export function recordingLogger(lines: Line[]): Logger {
  const make = (): Logger => ({
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    verbose: (message, fields) => lines.push({ level: 'verbose', message, fields }),
    debug: () => {},
    enabled: () => true,
    child: () => make(),
  });
  return make();
}

/**
 * A generic "batch system" made of two shell scripts: `submit` appends one line per launch to launches.log
 * (instance, NUM_JOBS, arguments, stdin) and prints a job id; `status` prints the ids listed in alive.txt.
 */
export function fakeBatch(dir: string, submitBody?: string) {
  const submit = join(dir, 'submit');
  // Launch commands run concurrently: each takes the lowest free number with mkdir, which is atomic (a
  // read-increment-write of a counter file gave two launches the same job id).
  const ids = join(dir, 'ids');
  mkdirSync(ids);
  writeFileSync(
    submit,
    submitBody ??
      `#!/bin/sh
n=1; while ! mkdir ${ids}/$n 2>/dev/null; do n=$((n + 1)); done
input=$(cat)
echo "$n|$*|$input|\${SECRET_VAR-none}" >> ${join(dir, 'launches.log')}
echo "job-$n"
`,
  );
  chmodSync(submit, 0o755);
  const alive = join(dir, 'alive.txt');
  writeFileSync(alive, '');
  return {
    submit,
    alive,
    launches: () => {
      const file = join(dir, 'launches.log');
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    },
    setAlive: (ids: string[]) => writeFileSync(alive, ids.map((id) => `${id}\n`).join('')),
  };
}

export const inst = (name: string, extra: Partial<PlanInstance> = {}): PlanInstance => ({
  name,
  tags: [name],
  runUntagged: false,
  groupSize: 1,
  ...extra,
});

export interface Setup {
  dir: string;
  jobs: MatchableJob[];
  batch: ReturnType<typeof fakeBatch>;
  lines: Line[];
  clock: { now: Date };
  options: LauncherOptions;
}

export function setup(
  over: Partial<LauncherOptions> & { status?: boolean; submitBody?: string } = {},
): Setup {
  const dir = makeTempDir();
  const batch = fakeBatch(dir, over.submitBody);
  const jobs: MatchableJob[] = [];
  const lines: Line[] = [];
  const clock = { now: new Date('2024-06-01T10:00:00Z') };
  const status = over.status ?? true;
  const options: LauncherOptions = {
    settings: {
      name: 'meta',
      instances: [inst('cpu'), inst('gpu', { launchPriority: 5 })],
      batchSystem: 'generic',
      timeoutMs: 10_000,
      cancelStale: false,
      pickupTimeoutMs: 600_000,
      concurrency: 2,
      failureBackoffMs: 30_000,
    },
    launchSettings: (instance, numJobs): LaunchSettings => ({
      executable: batch.submit,
      args: ['--instance', instance],
      stdin: `run ${instance} ${numJobs}`,
      workdir: join(dir, 'work', instance),
      statusCommand: status ? ['cat', batch.alive] : undefined,
    }),
    listPendingJobs: async () => jobs,
    stateFile: join(dir, 'meta.state'),
    env: { PATH: process.env.PATH, SECRET_VAR: 'glrt-very-secret-token', OTHER: 'x' },
    secrets: ['glrt-very-secret-token'],
    logger: recordingLogger(lines),
    now: () => clock.now,
    ...over,
  };
  return { dir, jobs, batch, lines, clock, options };
}

export async function launcherFor(options: LauncherOptions): Promise<Launcher> {
  const launcher = await Launcher.open(options);
  open.push(launcher);
  return launcher;
}

export async function reopen(launcher: Launcher): Promise<Launcher> {
  await launcher.close();
  open.splice(open.indexOf(launcher), 1);
  return launcherFor(launcher.options);
}
