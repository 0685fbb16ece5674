import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processRunning, processStat } from '@mr/node-kit/proc';
import { makeTempDir, removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { evictImages } from './housekeeping.js';
import {
  PULL_VARIABLE,
  parsePullDir,
  pullDirName,
  pullerGone,
  pullerId,
  removeDeadPulls,
  thisPuller,
} from './pull-leftovers.js';

afterAll(removeTempDirs);

const host = hostname();
/** A puller of this host whose process has ended. */
function deadPuller() {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
  return { host, pid, start: '1' };
}

/** A pull directory of `puller` holding a partial image. */
function pullDir(dir: string, fileName: string, puller: ReturnType<typeof deadPuller>) {
  const name = pullDirName(fileName, puller, 'abcd1234');
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, fileName), Buffer.alloc(4096));
  return name;
}

describe('what pulls of dead executors leave', () => {
  it('names a pull directory after the image and the executor process, and reads the name back', () => {
    const me = thisPuller('node1.cluster.example');
    expect(me.start).toBe(processStat(process.pid)!.startTime);
    const name = pullDirName('ghcr.io_org_app_1-0123456789abcdef.sif', me, '00ff');
    expect(name).toBe(
      `.tmp-ghcr.io_org_app_1-0123456789abcdef.sif.node1.cluster.example.${process.pid}.${me.start}.00ff`,
    );
    expect(parsePullDir(name)).toEqual({ fileName: 'ghcr.io_org_app_1-0123456789abcdef.sif', puller: me });
    expect(parsePullDir('.tmp-a.sif.node1.99.abcd')).toBeUndefined();
    expect(pullerGone(thisPuller(host), host)).toBe(false);
    expect(pullerGone({ ...thisPuller(host), start: '1' }, host)).toBe(true);
    expect(pullerGone(deadPuller(), 'another-node')).toBe(false);
  });

  it("ends a dead executor's pull and removes its directory; a live one's and another node's stay", async () => {
    const dir = makeTempDir();
    const dead = deadPuller();
    const orphanDir = pullDir(dir, 'a.sif', dead);
    const liveDir = pullDir(dir, 'a.sif', thisPuller(host));
    const otherNode = pullDir(dir, 'a.sif', { ...deadPuller(), host: 'another-node' });
    // The dead executor's pull, still running (the executor was SIGKILLed alone).
    const orphan = spawn('sleep', ['300'], { env: { ...process.env, [PULL_VARIABLE]: pullerId(dead) } });
    await once(orphan, 'spawn');
    const ended = once(orphan, 'exit');
    await waitUntil(() => processRunning(orphan.pid!), 10_000, 'the orphan');
    expect(await removeDeadPulls(dir, host, { fileName: 'b.sif' })).toEqual([]);
    expect(processRunning(orphan.pid!)).toBe(true);
    expect(await removeDeadPulls(dir, host, { fileName: 'a.sif', puller: dead })).toEqual([orphanDir]);
    expect(await ended).toEqual([null, 'SIGKILL']);
    expect([orphanDir, liveDir, otherNode].map((n) => existsSync(join(dir, n)))).toEqual([false, true, true]);
  });

  it('housekeeping removes them at once, not only after an hour', async () => {
    const dir = makeTempDir();
    const name = pullDir(dir, 'c.sif', deadPuller());
    const result = await evictImages(dir, {});
    expect(result.temporaries).toEqual([name]);
    expect(existsSync(join(dir, name))).toBe(false);
  });
});
