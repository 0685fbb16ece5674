import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepTemporaryFiles, tokensLockPath, withTokensLock } from './token-lock.js';

afterAll(removeTempDirs);

function files() {
  const dir = join(makeTempDir(), 'data');
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    tokensFile: join(dir, 'meta.tokens'),
    generatedConfigFile: join(dir, 'meta.gitlab-config.toml'),
  };
}

describe('withTokensLock', () => {
  it('lets one holder work at a time; the second starts when the first released the lock', async () => {
    const f = files();
    const events: string[] = [];
    let releaseFirst = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstStarted = () => {};
    const started = new Promise<void>((resolve) => {
      firstStarted = resolve;
    });
    const first = withTokensLock({ ...f, purpose: 'first' }, async () => {
      events.push('first in');
      firstStarted();
      await firstHolds;
      events.push('first out');
    });
    await started;
    const second = withTokensLock({ ...f, purpose: 'second' }, async () => {
      events.push('second in');
    });
    // The second one is waiting: the lock file names the first holder.
    expect(existsSync(tokensLockPath(f.tokensFile))).toBe(true);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
    expect(existsSync(tokensLockPath(f.tokensFile))).toBe(false);
  });

  it('removes temporary files of the token files that a killed writer left, and nothing else', async () => {
    const f = files();
    const left = ['.meta.tokens.4242.0123456789ab.tmp', '.meta.gitlab-config.toml.77.abcdef012345.tmp'];
    const kept = ['.other.tokens.1.0123456789ab.tmp', 'meta.tokens', 'meta.state'];
    for (const name of [...left, ...kept]) writeFileSync(join(f.dir, name), 'x');
    await withTokensLock({ ...f, purpose: 'test' }, async () => {
      expect(readdirSync(f.dir).sort()).toEqual([...kept, 'meta.tokens.lock'].sort());
    });
    expect(await sweepTemporaryFiles([f.tokensFile])).toEqual([]);
  });

  it('fails with MR_CONFIGURE_TOKENS_LOCK, without running the work, when the lock cannot be created', async () => {
    const f = files();
    // A file where the data directory should be: no lock can be created below it, even as root.
    const blocked = join(f.dir, 'blocked');
    writeFileSync(blocked, '');
    chmodSync(blocked, 0o400);
    let ran = false;
    const error = await withTokensLock(
      { tokensFile: join(blocked, 'meta.tokens'), generatedConfigFile: join(blocked, 'x'), purpose: 'test' },
      async () => {
        ran = true;
      },
    ).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toMatchObject({ code: 'MR_CONFIGURE_TOKENS_LOCK' });
    expect((error as Error).message).toContain(`cannot create the tokens lock ${blocked}/meta.tokens.lock`);
  });
});
