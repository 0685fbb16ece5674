import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@mr/logger';
import { removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLaunchers, inst, launcherFor, setup } from '../test/launcher-harness.js';
import { Launcher } from './launcher.js';
import { loadState } from './state-file.js';

afterAll(removeTempDirs);
afterEach(closeLaunchers);

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
    await waitUntil(
      () => existsSync(started) && readFileSync(started, 'utf8').length >= 4,
      20_000,
      'two launch commands to start',
    );
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

  it('opens read-only beside the holder: names it, runs dry cycles only, saves nothing', async () => {
    const s = setup();
    await launcherFor(s.options);
    const looking = await Launcher.open({ ...s.options, logger: silentLogger, readOnly: true });
    expect(looking.holder).toMatchObject({ pid: process.pid });
    await expect(looking.cycle()).rejects.toMatchObject({ code: 'MR_LAUNCH_READ_ONLY' });
    const result = await looking.cycle(undefined, { dryRun: true });
    expect(result.dryRun).toBeDefined();
    await looking.close();
    expect(existsSync(s.options.stateFile)).toBe(false);
  });

  it('never runs two cycles at once', async () => {
    const s = setup();
    const launcher = await launcherFor(s.options);
    const first = launcher.cycle();
    await expect(launcher.cycle()).rejects.toMatchObject({ code: 'MR_LAUNCH_BUSY' });
    await first;
  });
});
