import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { collectEntries, extractZip, readZip, zipArchive } from './zip-archive.js';

afterAll(removeTempDirs);

function tree(): string {
  const dir = makeTempDir();
  mkdirSync(join(dir, 'out/sub'), { recursive: true });
  writeFileSync(join(dir, 'out/report.txt'), 'report\n'.repeat(100));
  writeFileSync(join(dir, 'out/sub/run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  symlinkSync('report.txt', join(dir, 'out/link'));
  return dir;
}

const haveUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

describe('zip archives as gitlab-runner writes them', () => {
  it('lists directories as name/ entries, sorted, and round-trips content, modes and symlinks', () => {
    const dir = tree();
    const archive = zipArchive(collectEntries(dir, ['out/']));
    expect(readZip(archive).map((e) => e.name)).toEqual([
      'out/',
      'out/link',
      'out/report.txt',
      'out/sub/',
      'out/sub/run.sh',
    ]);
    const target = makeTempDir();
    extractZip(archive, target);
    expect(readFileSync(join(target, 'out/report.txt'), 'utf8')).toBe('report\n'.repeat(100));
    expect(statSync(join(target, 'out/sub/run.sh')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(target, 'out/link'))).toBe('report.txt');
  });

  it.skipIf(!haveUnzip)('is read by Info-ZIP unzip (skipped where unzip is not installed)', () => {
    const dir = tree();
    const file = join(dir, 'cache.zip');
    writeFileSync(file, zipArchive(collectEntries(dir, ['out'])));
    const test = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    const content = spawnSync('unzip', ['-p', file, 'out/sub/run.sh'], { encoding: 'utf8' });
    expect(content.stdout).toBe('#!/bin/sh\necho hi\n');
  });

  it('refuses an entry that would land outside the extraction directory', () => {
    const archive = zipArchive([{ name: '../escape', mode: 0o100644, data: Buffer.from('x') }]);
    expect(() => extractZip(archive, makeTempDir())).toThrow(/outside the extraction directory/);
  });
});
