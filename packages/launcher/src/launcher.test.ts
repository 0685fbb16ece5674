import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LogFields, type Logger, silentLogger } from '@mr/logger';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Launcher, type LauncherOptions, type LaunchSettings } from './launcher.js';
import type { MatchableJob } from './match.js';
import type { PlanInstance } from './plan.js';
import { loadState } from './state.js';

afterAll(removeTempDirs);

const open: Launcher[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

interface Line {
  level: string;
  message: string;
  fields?: LogFields | undefined;
}

function recordingLogger(lines: Line[]): Logger {
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
function fakeBatch(dir: string, submitBody?: string) {
  const submit = join(dir, 'submit');
  const counter = join(dir, 'counter');
  writeFileSync(counter, '0');
  writeFileSync(
    submit,
    submitBody ??
      `#!/bin/sh
n=$(($(cat ${counter}) + 1)); echo $n > ${counter}
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

const inst = (name: string, extra: Partial<PlanInstance> = {}): PlanInstance => ({
  name,
  tags: [name],
  runUntagged: false,
  groupSize: 1,
  ...extra,
});

interface Setup {
  dir: string;
  jobs: MatchableJob[];
  batch: ReturnType<typeof fakeBatch>;
  lines: Line[];
  clock: { now: Date };
  options: LauncherOptions;
}

function setup(over: Partial<LauncherOptions> & { status?: boolean; submitBody?: string } = {}): Setup {
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

async function launcherFor(options: LauncherOptions): Promise<Launcher> {
  const launcher = await Launcher.open(options);
  open.push(launcher);
  return launcher;
}

async function reopen(launcher: Launcher): Promise<Launcher> {
  await launcher.close();
  open.splice(open.indexOf(launcher), 1);
  return launcherFor(launcher.options);
}

describe('a launch cycle', () => {
  it('launches one runner per matched job, highest priority first, and records each launch', async () => {
    const s = setup({ settings: { ...setup().options.settings, concurrency: 1 } });
    s.jobs.push({ id: 1, tag_list: ['cpu'] }, { id: 2, tag_list: ['gpu'] }, { id: 3, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    const result = await launcher.cycle();
    expect(result).toMatchObject({
      pending: 3,
      matched: { cpu: 2, gpu: 1 },
      launched: 3,
      failed: 0,
      inFlight: 3,
    });
    expect(s.batch.launches().map((l) => l.split('|').slice(1, 3).join('|'))).toEqual([
      '--instance gpu|run gpu 1',
      '--instance cpu|run cpu 1',
      '--instance cpu|run cpu 1',
    ]);
    expect(existsSync(join(s.dir, 'work', 'cpu'))).toBe(true);
    const state = await loadState(s.options.stateFile);
    expect(state.launches.map((l) => [l.instance, l.batchJobId, l.phase, l.jobIds])).toEqual([
      ['gpu', 'job-1', 'submitted', [2]],
      ['cpu', 'job-2', 'submitted', [1]],
      ['cpu', 'job-3', 'submitted', [3]],
    ]);
    const cycleLine = s.lines.find((l) => l.message === 'cycle');
    expect(cycleLine?.fields).toMatchObject({
      pending: 3,
      matched: 'gpu:1,cpu:2',
      in_flight: 3,
      launched: 3,
      failed: 0,
    });
  });

  it('does not launch again for jobs whose launches are still queued, in the same process or after a restart', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] }, { id: 2, tag_list: ['cpu'] });
    let launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1', 'job-2']);
    expect((await launcher.cycle()).launched).toBe(0);
    launcher = await reopen(launcher);
    expect((await launcher.cycle()).launched).toBe(0);
    expect(s.batch.launches()).toHaveLength(2);
  });

  it('launches again when a batch job ended and its GitLab job is still pending', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1 R']);
    expect((await launcher.cycle()).launched).toBe(0);
    // The batch job died without taking the job.
    s.batch.setAlive([]);
    const result = await launcher.cycle();
    expect(result.launched).toBe(1);
    expect(s.batch.launches()).toHaveLength(2);
  });

  it('launches for a new job while an older launch is running with the job it took', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.batch.setAlive(['job-1 RUNNING']);
    s.jobs.splice(0, 1, { id: 2, tag_list: ['cpu'] });
    expect((await launcher.cycle()).launched).toBe(1);
  });

  it('without a status command, counts a launch until pickup_timeout, then launches again', async () => {
    const s = setup({ status: false });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    s.clock.now = new Date(s.clock.now.getTime() + 599_000);
    expect((await launcher.cycle()).launched).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 2_000);
    expect((await launcher.cycle()).launched).toBe(1);
  });

  it('groups jobs by group_size and passes NUM_JOBS', async () => {
    const s = setup();
    s.options.settings = { ...s.options.settings, instances: [inst('cpu', { groupSize: 3 })] };
    for (let id = 1; id <= 4; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    expect((await launcher.cycle()).launched).toBe(2);
    expect(
      s.batch
        .launches()
        .map((l) => l.split('|')[2])
        .sort(),
    ).toEqual(['run cpu 1', 'run cpu 3']);
  });

  it('reports a job no instance can take once, not every cycle', async () => {
    const s = setup();
    s.jobs.push({ id: 7, tag_list: ['tpu'] }, { id: 8, tag_list: [] });
    let launcher = await launcherFor(s.options);
    await launcher.cycle();
    await launcher.cycle();
    launcher = await reopen(launcher);
    await launcher.cycle();
    const warnings = s.lines.filter((l) => l.level === 'warn' && /matches no runner|no tags/.test(l.message));
    expect(warnings.map((w) => w.fields?.job)).toEqual([7, 8]);
    expect(s.lines.filter((l) => l.message === 'cycle').every((l) => l.fields?.unmatched === 2)).toBe(true);
  });

  it('keeps tokens out of the launch environment and out of what it logs', async () => {
    const s = setup({
      submitBody: `#!/bin/sh\necho "launch refused for token glrt-very-secret-token" >&2\necho "stdout glrt-very-secret-token"\nexit 4\n`,
    });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    const result = await launcher.cycle();
    expect(result.failed).toBe(1);
    const text = JSON.stringify(s.lines);
    expect(text).not.toContain('glrt-very-secret-token');
    expect(text).toContain('launch refused for token [redacted]');
    expect(result.failures[0]?.error).toMatchObject({ code: 'MR_LAUNCH_FAILED', exitCode: 4 });
  });

  it('passes the environment without the variables that hold a secret', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    await launcher.cycle();
    expect(s.batch.launches()[0]?.split('|')[3]).toBe('none');
  });
});

describe('a failing launch', () => {
  it('logs exit code, stdout and stderr, records no launch and backs the instance off', async () => {
    const s = setup({
      submitBody: '#!/bin/sh\necho partial output\necho "sbatch: error: invalid partition" >&2\nexit 1\n',
    });
    s.jobs.push({ id: 1, tag_list: ['cpu'] }, { id: 2, tag_list: ['cpu'] }, { id: 3, tag_list: ['gpu'] });
    const launcher = await launcherFor({ ...s.options, settings: { ...s.options.settings, concurrency: 1 } });
    const result = await launcher.cycle();
    // gpu first (priority), then one cpu launch; the second cpu launch waits for the backoff.
    expect(result).toMatchObject({ failed: 2, launched: 0, inFlight: 0 });
    const errors = s.lines.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).toContain('  stdout: partial output');
    expect(errors).toContain('  stderr: sbatch: error: invalid partition');
    expect(s.lines.find((l) => l.level === 'error')?.fields).toMatchObject({
      exit_code: 1,
      code: 'MR_LAUNCH_FAILED',
    });
    const state = await loadState(s.options.stateFile);
    expect(state.launches).toEqual([]);
    expect(state.backoff.cpu).toEqual({ failures: 1, until: '2024-06-01T10:00:30.000Z' });

    // Within the backoff nothing is launched; after it, one try, and the wait doubles.
    expect((await launcher.cycle()).failed).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 31_000);
    expect((await launcher.cycle()).failed).toBe(2);
    expect((await loadState(s.options.stateFile)).backoff.cpu?.failures).toBe(2);
  });

  it('stops a launch command that hangs past its timeout, with its child processes', async () => {
    const s = setup({ submitBody: '#!/bin/sh\necho started\nsleep 300 &\nwait\n' });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor({
      ...s.options,
      killGraceMs: 200,
      settings: { ...s.options.settings, timeoutMs: 300 },
    });
    const result = await launcher.cycle();
    expect(result.failures[0]?.error).toMatchObject({ code: 'MR_LAUNCH_TIMEOUT', stdout: 'started\n' });
  });

  it('reports a launch command that cannot be started', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor({
      ...s.options,
      launchSettings: () => ({ executable: join(s.dir, 'missing-sbatch'), args: [] }),
    });
    const result = await launcher.cycle();
    expect(result.failures[0]?.error.code).toBe('MR_LAUNCH_SPAWN');
  });

  it('counts a launch that printed no job id until pickup_timeout', async () => {
    const s = setup({ submitBody: '#!/bin/sh\ncat >/dev/null\necho "runner started in the background"\n' });
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    expect((await launcher.cycle()).launched).toBe(1);
    expect(s.lines.some((l) => l.level === 'warn' && /printed no job id/.test(l.message))).toBe(true);
    expect((await launcher.cycle()).launched).toBe(0);
    s.clock.now = new Date(s.clock.now.getTime() + 600_000);
    expect((await launcher.cycle()).launched).toBe(1);
  });
});

describe('bounds', () => {
  it('never runs more launch commands at once than concurrency', async () => {
    const s = setup();
    const running = join(s.dir, 'running');
    const seen = join(s.dir, 'seen');
    s.options.launchSettings = () => ({
      executable: 'sh',
      args: [
        '-c',
        `mkdir -p ${running}; touch ${running}/$$; ls ${running} | wc -l >> ${seen}; sleep 0.2; rm ${running}/$$; echo $$`,
      ],
    });
    for (let id = 1; id <= 6; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor({ ...s.options, settings: { ...s.options.settings, concurrency: 2 } });
    expect((await launcher.cycle()).launched).toBe(6);
    const counts = readFileSync(seen, 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  });

  it('keeps within max_in_flight across cycles', async () => {
    const s = setup();
    s.options.settings = {
      ...s.options.settings,
      instances: [inst('cpu', { maxInFlight: 2 })],
      maxInFlight: 5,
    };
    for (let id = 1; id <= 5; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    expect((await launcher.cycle()).launched).toBe(2);
    s.batch.setAlive(['job-1', 'job-2']);
    expect((await launcher.cycle()).launched).toBe(0);
    s.batch.setAlive(['job-2']);
    expect((await launcher.cycle()).launched).toBe(1);
  });
});

describe('stopping and locking', () => {
  it('launches nothing when stopped before launching, and saves the state', async () => {
    const s = setup();
    s.jobs.push({ id: 1, tag_list: ['cpu'] });
    const launcher = await launcherFor(s.options);
    const controller = new AbortController();
    controller.abort();
    const result = await launcher.cycle(controller.signal);
    expect(result).toMatchObject({ interrupted: true, launched: 0 });
    expect(s.batch.launches()).toEqual([]);
    expect(existsSync(s.options.stateFile)).toBe(true);
  });

  it('lets launch commands in flight finish when stopped, and starts no more', async () => {
    const s = setup();
    const gate = join(s.dir, 'gate');
    const started = join(s.dir, 'started');
    s.options.launchSettings = (instance) => ({
      executable: 'sh',
      args: [
        '-c',
        `echo x >> ${started}; while [ ! -e ${gate} ]; do sleep 0.02; done; echo id-${instance}-$$`,
      ],
    });
    for (let id = 1; id <= 4; id++) s.jobs.push({ id, tag_list: ['cpu'] });
    const launcher = await launcherFor({ ...s.options, settings: { ...s.options.settings, concurrency: 2 } });
    const controller = new AbortController();
    const cycle = launcher.cycle(controller.signal);
    const deadline = Date.now() + 5000;
    while (!(existsSync(started) && readFileSync(started, 'utf8').length >= 4) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    writeFileSync(gate, '');
    const result = await cycle;
    expect(result).toMatchObject({ launched: 2, interrupted: true, inFlight: 2 });
    const state = await loadState(s.options.stateFile);
    expect(state.launches.every((l) => l.phase === 'submitted' && l.batchJobId?.startsWith('id-cpu-'))).toBe(
      true,
    );
  });

  it('keeps a second launcher out of the same data directory', async () => {
    const s = setup();
    await launcherFor(s.options);
    await expect(Launcher.open({ ...s.options, logger: silentLogger })).rejects.toMatchObject({
      code: 'MR_LAUNCH_LOCKED',
    });
  });

  it('never runs two cycles at once', async () => {
    const s = setup();
    const launcher = await launcherFor(s.options);
    const first = launcher.cycle();
    await expect(launcher.cycle()).rejects.toMatchObject({ code: 'MR_LAUNCH_BUSY' });
    await first;
  });
});
