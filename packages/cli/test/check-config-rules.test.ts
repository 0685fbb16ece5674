import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, packageDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

// Rules check-config applies beyond the types of the keys, each through the command a user runs.

afterAll(removeTempDirs);

const originalExample = readFileSync(
  join(packageDir('runner-config'), 'test', 'fixtures', 'original-example-config.toml'),
  'utf8',
);

/** The original example, edited, in a fresh directory. */
function config(edit: (text: string) => string = (t) => t): string {
  const path = join(makeTempDir(), 'config.toml');
  writeFileSync(path, edit(originalExample));
  return path;
}

/** A directory for PATH holding an executable `sbatch`. */
function pathWithSbatch(): string {
  const dir = makeTempDir();
  writeFileSync(join(dir, 'sbatch'), '#!/bin/sh\necho "Submitted batch job 1"\n');
  chmodSync(join(dir, 'sbatch'), 0o755);
  return dir;
}

const checkConfig = (path: string, env: Record<string, string | undefined> = {}, extra: string[] = []) =>
  runCli(['check-config', ...extra, '--config-file', path], { env: { PATH: pathWithSbatch(), ...env } });

describe('check-config', { timeout: 120_000 }, () => {
  it('accepts the original example unchanged, without warnings about it', async () => {
    const result = await checkConfig(config());
    expect(result.exitCode).toBe(0);
    expect(result.stderr).not.toContain('environment');
    expect(result.stderr).not.toContain('executable');
  });

  it.each([
    ['a space', 'my runner'],
    ['a quote', "it's"],
    ['a dollar', 'a$b'],
    ['a slash', 'a/b'],
  ])('refuses an instance name with %s, naming the instance and what is allowed', async (_, name) => {
    const result = await checkConfig(
      config((t) => t.replaceAll('runners.test-runner', `runners.${JSON.stringify(name)}`)),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`runners.${JSON.stringify(name)}: not a valid name`);
    expect(result.stderr).toContain('letters, digits, ".", "_" and "-"');
  });

  it('refuses a meta-runner name with a space by the same rule', async () => {
    const result = await checkConfig(
      config((t) => t.replace('name = "meta-runner"', 'name = "meta runner"')),
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('name: expected a name of letters, digits, ".", "_" and "-"');
  });

  it('accepts environment = ["$VAR"] and checks the entry once expanded', async () => {
    const path = config((t) => t.replace('environment = ["ENV_VARIABLE=value"]', 'environment = ["$ENTRY"]'));
    const good = await checkConfig(path, { ENTRY: 'FOO=bar' });
    expect(good.exitCode).toBe(0);
    expect(good.stderr).not.toContain('environment');

    const bad = await checkConfig(path, { ENTRY: 'just-a-word' });
    expect(bad.exitCode).toBe(0);
    expect(bad.stderr).toContain(
      'runner.environment[0] (instance "test-runner"): "just-a-word" is not NAME=value; gitlab-runner ignores it',
    );
  });

  it('warns when the launch executable is not found in PATH, and not when it is', async () => {
    const empty = makeTempDir();
    const missing = await checkConfig(config(), { PATH: empty });
    expect(missing.exitCode).toBe(0);
    expect(missing.stderr).toContain(`[launch] executable "sbatch" is not found in PATH (${empty})`);

    const found = await checkConfig(config(), {});
    expect(found.stderr).not.toContain('is not found');

    const path = config((t) => t.replace('executable = "sbatch"', 'executable = "/nonexistent/submit"'));
    const absent = await checkConfig(path);
    expect(absent.stderr).toContain('[launch] executable /nonexistent/submit is not an executable file');
  });

  it.each([
    ['[poll] interval', (t: string) => t.replace('interval = 30', 'interval = "100000d"'), 'poll.interval'],
    ['[launch] timeout', (t: string) => t.replace('timeout = 300', 'timeout = "25d"'), 'launch.timeout'],
    [
      '[executor] kill_timeout',
      (t: string) => t.replace('[executor]', '[executor]\nkill_timeout = "30d"'),
      'executor.kill_timeout',
    ],
  ])("refuses a %s beyond what Node's timers can wait, with the limit", async (_, edit, key) => {
    const result = await checkConfig(config(edit));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${key}: expected a duration of at most 2147483647 ms`);
  });

  it('redacts secret values in the lines it shows around a TOML syntax error', async () => {
    const secret = 'glpat-do-not-show-me-1234';
    const path = config((t) =>
      t.replace('management_token = "enter-your-token-here"', `management_token = "${secret}"\n= oops`),
    );
    for (const extra of [[], ['-vv'], ['--log-format', 'json']]) {
      const result = await checkConfig(path, {}, extra);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('not valid TOML');
      expect(result.stderr).toContain('management_token = [redacted]');
      expect(result.stderr).not.toContain(secret);
    }
  });

  it('redacts them in an executor step too, whose output goes into the job log', async () => {
    const secret = 'glpat-do-not-show-me-5678';
    const path = config((t) =>
      t.replace('management_token = "enter-your-token-here"', `management_token = "${secret}"\n= oops`),
    );
    const result = await runCli(['--config-file', path, 'executor', 'test-runner', 'config'], {
      env: { SYSTEM_FAILURE_EXIT_CODE: '3' },
    });
    expect(result.exitCode).toBe(3);
    expect(`${result.stdout}${result.stderr}`).toContain('management_token = [redacted]');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });
});
