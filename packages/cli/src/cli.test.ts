import { runCli } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

describe('gitlab-meta-runner', () => {
  it('prints help listing the global options', async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    for (const option of ['--config-file', '--data-dir', '--generated-config-file', '--verbose', '--quiet']) {
      expect(result.stdout).toContain(option);
    }
  });

  it('prints its version', async () => {
    const result = await runCli(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('exits 2 with a usage message for an unknown command', async () => {
    const result = await runCli(['no-such-command']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: /m);
    expect(result.stderr).toContain('gitlab-meta-runner --help');
  });

  it('exits 2 and asks for a command when given none', async () => {
    const result = await runCli([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Name a command');
  });
});
