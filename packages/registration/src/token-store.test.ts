import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTokens, writeTokens } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenStore } from './token-store.js';

afterAll(removeTempDirs);

describe('TokenStore', () => {
  it('writes every change at once, in order, mode 0600', async () => {
    const file = join(makeTempDir(), 'data', 'x.tokens');
    const store = new TokenStore(file, {});
    const writes = [
      store.set('a', { id: 1, token: 'glrt-aaaaaaaaaaaa' }),
      store.set('b', { id: 2, token: 'glrt-bbbbbbbbbbbb' }),
    ];
    await writes[0];
    expect(Object.keys(await readTokens(file))).toContain('a');
    await Promise.all(writes);
    await store.delete('a');
    expect(await readTokens(file)).toEqual({ b: { id: 2, token: 'glrt-bbbbbbbbbbbb' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(store.changed).toBe(true);
  });

  it('fails for good once a write failed', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'file'), '');
    const store = new TokenStore(join(dir, 'file', 'x.tokens'), {});
    await expect(store.set('a', { id: 1, token: 'glrt-aaaaaaaaaaaa' })).rejects.toMatchObject({
      code: 'MR_WRITE_FAILED',
    });
    await expect(store.ready()).rejects.toMatchObject({ code: 'MR_WRITE_FAILED' });
  });

  it('keeps entries another process wrote meanwhile', async () => {
    const file = join(makeTempDir(), 'site.tokens');
    await writeTokens(file, { cpu: { id: 2, token: 'glrt-cpu-1' } });
    const store = new TokenStore(file, await readTokens(file));
    // Another process (a running `run` renewing a token) rewrites the file.
    await writeTokens(file, { cpu: { id: 2, token: 'glrt-cpu-2' }, gpu: { id: 3, token: 'glrt-gpu' } });
    await store.set('new', { id: 4, token: 'glrt-new' });
    expect(await readTokens(file)).toEqual({
      cpu: { id: 2, token: 'glrt-cpu-2' },
      gpu: { id: 3, token: 'glrt-gpu' },
      new: { id: 4, token: 'glrt-new' },
    });
    expect(store.get('cpu')?.token).toBe('glrt-cpu-2');
  });

  it('writes its own view when the file is gone', async () => {
    const file = join(makeTempDir(), 'site.tokens');
    const store = new TokenStore(file, { old: { id: 1, token: 'glrt-old' } });
    await store.set('cpu', { id: 2, token: 'glrt-cpu' });
    expect(await readTokens(file)).toEqual({
      old: { id: 1, token: 'glrt-old' },
      cpu: { id: 2, token: 'glrt-cpu' },
    });
  });
});
