import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { LaunchLockedError } from './errors.js';
import { acquireLauncherLock } from './launcher-lock.js';

afterAll(removeTempDirs);

describe('the launcher lock', () => {
  it('lets one launcher in and tells the second who holds it and with which command', async () => {
    const file = join(makeTempDir(), 'meta.state.lock');
    const first = await acquireLauncherLock(file, { command: 'gitlab-meta-runner run' });
    const error = await acquireLauncherLock(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchLockedError);
    expect(error).toMatchObject({
      code: 'MR_LAUNCH_LOCKED',
      lockFile: file,
      holder: { pid: process.pid },
      details: ['its command: gitlab-meta-runner run'],
      hint: expect.stringContaining('60 s'),
    });
    expect((error as Error).message).toContain(`process ${process.pid}`);
    await first.release();
    const second = await acquireLauncherLock(file);
    expect(second.held).toBe(true);
    await second.release();
  });
});
