import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';
import { NodeKitError } from './errors.js';

afterAll(removeTempDirs);

describe('writeFileAtomic', () => {
  it('writes the content with mode 0600 by default and leaves no temporary file', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'state');
    await writeFileAtomic(path, 'hello\n');
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state']);
  });

  it('sets the mode exactly, whatever the umask', async () => {
    const path = join(makeTempDir(), 'public');
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'x', { mode: 0o644 });
    } finally {
      process.umask(old);
    }
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('replaces a file as a whole: concurrent writers leave one complete content', async () => {
    const path = join(makeTempDir(), 'shared');
    const contents = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(10_000)}\n`);
    await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
    expect(contents).toContain(readFileSync(path, 'utf8'));
  });

  it('never overwrites when overwrite is false, and keeps the old content', async () => {
    const dir = makeTempDir();
    const path = join(dir, 'config.toml');
    writeFileSync(path, 'mine');
    const error = await writeFileAtomic(path, 'new', { overwrite: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeKitError);
    expect(error).toMatchObject({ code: 'MR_WRITE_EXISTS' });
    expect(readFileSync(path, 'utf8')).toBe('mine');
    expect(readdirSync(dir)).toEqual(['config.toml']);
  });

  it('creates missing directories only when asked', async () => {
    const path = join(makeTempDir(), 'a', 'b', 'file');
    await expect(writeFileAtomic(path, 'x')).rejects.toMatchObject({ code: 'MR_WRITE_FAILED' });
    await writeFileAtomic(path, 'x', { mkdir: true });
    expect(readFileSync(path, 'utf8')).toBe('x');
  });

  it('reports a path it cannot write as MR_WRITE_FAILED and cleans up', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'target'));
    const error = await writeFileAtomic(join(dir, 'target'), 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MR_WRITE_FAILED',
      message: expect.stringContaining('cannot write'),
    });
    expect(readdirSync(dir)).toEqual(['target']);
  });
});
