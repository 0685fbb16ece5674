import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readTokens, writeTokens } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenStore } from './token-store.js';

afterAll(removeTempDirs);

describe('TokenStore', () => {
  it('has every change on disk, mode 0600, when a set or delete resolves', async () => {
    const file = join(makeTempDir(), 'site.tokens');
    const store = new TokenStore(file, { old: { id: 1, token: 'glrt-old' } });
    await store.set('cpu', { id: 2, token: 'glrt-cpu' });
    expect(await readTokens(file)).toEqual({
      old: { id: 1, token: 'glrt-old' },
      cpu: { id: 2, token: 'glrt-cpu' },
    });
    await store.delete('old');
    expect(await readTokens(file)).toEqual({ cpu: { id: 2, token: 'glrt-cpu' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
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
});
