import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, repoRoot, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

describe('the gitlab-meta-runner command line', () => {
  it('lists the commands on stderr and exits 2 when given no command', async () => {
    const result = await runCli([]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    for (const command of ['check-config', 'configure', 'run-single', 'status', 'demo'])
      expect(result.stderr).toContain(`gitlab-meta-runner ${command}`);
    expect(result.stderr).toMatch(/^error: Name a command; the commands are listed above\.$/m);
  });

  it.each([
    [['--', '--help'], 'Commands:'],
    [['--', 'status', '--help'], 'gitlab-meta-runner status'],
  ])('drops a leading -- (as pnpm and npm scripts pass it on): %j prints help', async (argv, text) => {
    const result = await runCli(argv);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(text);
  });

  it('treats a word after a leading -- as a command, so a wrong one is an error', async () => {
    const result = await runCli(['--', 'no-such-command']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: /m);
  });

  it('writes a fatal error as one JSON line with code, msg, hint and exit code under --log-format json', async () => {
    const missing = join(makeTempDir(), 'missing.toml');
    const result = await runCli(['--log-format', 'json', 'status', '--config-file', missing]);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 'error',
      code: 'MR_CONFIG_NOT_FOUND',
      exit_code: 2,
      msg: expect.stringContaining(missing),
      hint: expect.stringContaining('create-example-config'),
    });
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
  });

  it('writes a command line mistake as JSON too, when --log-format json comes before it', async () => {
    const result = await runCli(['--log-format=json', 'no-such-command']);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ level: 'error', code: 'MR_USAGE', exit_code: 2 });
  });

  it('shows in demo --help only the options demo uses', async () => {
    const result = await runCli(['demo', '--help']);
    expect(result.exitCode).toBe(0);
    for (const used of ['--jobs', '--keep', '--dir', '--log-format']) expect(result.stdout).toContain(used);
    for (const ignored of ['--config-file', '--data-dir', '--generated-config-file'])
      expect(result.stdout).not.toContain(ignored);
  });

  it('rejects an option demo does not use, naming the one to use instead', async () => {
    const result = await runCli(['demo', '--data-dir', makeTempDir()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('demo does not use --data-dir');
    expect(result.stderr).toContain('--dir');
  });

  it.each([['abc'], ['1.5'], ['0']])(
    'rejects demo --jobs %s with a usage error naming the value',
    async (value) => {
      const result = await runCli(['demo', '--jobs', value]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(
        `--jobs takes a whole number from 1 to 200, not ${value === 'abc' ? '"abc"' : value}`,
      );
      expect(result.stdout).toBe('');
    },
  );

  it('exits 2 when --jobs has no value', async () => {
    const result = await runCli(['demo', '--jobs']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('jobs');
  });
});

describe('the workspace packages', () => {
  // pnpm links a package's bins at install time, before any build: a bin that points into dist/ does not
  // exist yet on a fresh clone, and `pnpm install` warns "Failed to create bin".
  const packages = readdirSync(join(repoRoot, 'packages'));
  const bins = packages.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
      files?: string[];
    };
    return Object.entries(manifest.bin ?? {}).map(([name, path]) => ({
      dir,
      name,
      path,
      files: manifest.files,
    }));
  });

  it.each(packages)('%s: the build prints only warnings and errors', (dir) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const build = manifest.scripts?.build;
    if (build?.includes('tsdown')) expect(build).toMatch(/tsdown --logLevel warn$/);
  });

  it.each(bins)(
    '$dir: the bin $name is a committed file outside dist/ that is published',
    ({ dir, path, files }) => {
      expect(path.replace(/^\.\//, '').startsWith('dist/')).toBe(false);
      expect(readFileSync(join(repoRoot, 'packages', dir, path), 'utf8')).toMatch(
        /^#!\/usr\/bin\/env node\n/,
      );
      expect(files).toContain(path.replace(/^\.\//, '').split('/')[0]);
    },
  );
});
