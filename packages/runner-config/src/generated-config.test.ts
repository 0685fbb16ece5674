import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { minimalConfig, originalExample } from '../test/config-text.js';
import { ConfigError } from './errors.js';
import { generateConfig, renderGeneratedConfig, writeGeneratedConfig } from './generated-config.js';
import type { InstanceContext } from './instantiate.js';
import { parseConfig } from './parse.js';
import type { TokensFile } from './tokens.js';

afterAll(removeTempDirs);

const ctx: InstanceContext = {
  thisPath: '/opt/mr/bin/gitlab-meta-runner',
  env: { HOME: '/home/me' },
  home: '/home/me',
};
const parse = (text: string) => parseConfig(text, { file: 'c.toml', env: {} });
const tokens: TokensFile = {
  cpu: {
    id: 101,
    token: 'glrt-cpu-token',
    token_obtained_at: '2025-01-01T00:00:00Z',
    token_expires_at: '2025-04-01T00:00:00.000Z',
  },
  gpu: { id: 102, token: 'glrt-gpu-"token"' },
  removed: { id: 103, token: 'glrt-instance-no-longer-in-config' },
};

describe('renderGeneratedConfig', () => {
  it('writes [[runners]] for the original example (golden file)', async () => {
    const text = renderGeneratedConfig(
      parse(originalExample),
      { 'test-runner': { id: 42, token: 'glrt-test' } },
      ctx,
    );
    await expect(text).toMatchFileSnapshot('../test/__snapshots__/generated-original-example.toml');
  });

  it('writes every registered instance with url, id, token times and its instantiated [runner] (golden file)', async () => {
    const config = parse(
      minimalConfig(
        'output_limit = 16384\nenvironment = ["PARTITION=${PARTITION:-none}", "Q=\\"x\\""]\n',
      ).replace('hostname = "gitlab.example.org"', 'hostname = "http://127.0.0.1:8080/"'),
    );
    const text = renderGeneratedConfig(config, tokens, ctx);
    await expect(text).toMatchFileSnapshot('../test/__snapshots__/generated-two-instances.toml');
  });

  it("passes gitlab-runner's own keys through with its names: shell, custom timeouts, custom_build_dir, feature_flags (golden file)", async () => {
    const config = parse(
      minimalConfig(`shell = "bash"
[runner.custom]
config_exec_timeout = 120
prepare_exec_timeout = 7200
cleanup_exec_timeout = 600
graceful_kill_timeout = 60
force_kill_timeout = 15
[runner.custom_build_dir]
enabled = true
[runner.feature_flags]
FF_USE_FASTZIP = true
FF_ENABLE_BASH_EXIT_CODE_CHECK = false
`),
    );
    const text = renderGeneratedConfig(config, { cpu: tokens.cpu! }, ctx);
    await expect(text).toMatchFileSnapshot('../test/__snapshots__/generated-gitlab-runner-keys.toml');
    const runner = parse_(text).runners[0];
    expect(runner).toMatchObject({
      shell: 'bash',
      custom: {
        config_exec_timeout: 120,
        prepare_exec_timeout: 7200,
        cleanup_exec_timeout: 600,
        graceful_kill_timeout: 60,
        force_kill_timeout: 15,
      },
      custom_build_dir: { enabled: true },
      feature_flags: { FF_USE_FASTZIP: true, FF_ENABLE_BASH_EXIT_CODE_CHECK: false },
    });
  });

  it.each([
    [
      'shell = "zsh"',
      'runner.shell: expected one of "bash", "sh", "pwsh", "powershell", "cmd", found string "zsh"',
    ],
    [
      '[runner.custom]\nprepare_exec_timeout = "2h"',
      'runner.custom.prepare_exec_timeout: expected a whole number of seconds, found string "2h"',
    ],
    [
      '[runner.feature_flags]\nFF_USE_FASTZIP = "yes"',
      'runner.feature_flags.FF_USE_FASTZIP: expected true or false',
    ],
    [
      '[runner.custom_build_dir]\nenabled = 1',
      'runner.custom_build_dir.enabled: expected a boolean, found integer 1',
    ],
  ])('checks %j as gitlab-runner types it', (extra, message) => {
    let error: unknown;
    try {
      parse(minimalConfig(`${extra}\n`));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.message).join('\n')).toContain(message);
  });

  it('produces TOML that gitlab-runner reads as the instantiated runners', () => {
    const config = parse(
      minimalConfig().replace('hostname = "gitlab.example.org"', 'hostname = "gitlab.example.org:8443"'),
    );
    const document = parse_(renderGeneratedConfig(config, tokens, ctx));
    expect(document.runners).toHaveLength(2);
    expect(document.runners[1]).toEqual({
      name: 'gpu',
      url: 'https://gitlab.example.org:8443',
      id: 102,
      token: 'glrt-gpu-"token"',
      executor: 'custom',
      builds_dir: '/home/me/builds/gpu',
      cache_dir: '/home/me/cache',
      environment: [],
      custom: {
        config_exec: '/opt/mr/bin/gitlab-meta-runner',
        config_args: ['executor', 'gpu', 'config'],
        prepare_exec: '/opt/mr/bin/gitlab-meta-runner',
        prepare_args: ['executor', 'gpu', 'prepare'],
        run_exec: '/opt/mr/bin/gitlab-meta-runner',
        run_args: ['executor', 'gpu', 'run'],
        cleanup_exec: '/opt/mr/bin/gitlab-meta-runner',
        cleanup_args: ['executor', 'gpu', 'cleanup'],
      },
    });
    expect(document.runners[0]?.token_expires_at).toEqual(new Date('2025-04-01T00:00:00Z'));
  });

  it('skips instances without a token and says which', () => {
    const result = generateConfig(parse(minimalConfig()), { gpu: tokens.gpu! }, ctx);
    expect(result).toMatchObject({ included: ['gpu'], skipped: ['cpu'] });
    expect(parse_(result.text).runners.map((r) => r.name)).toEqual(['gpu']);
    const none = generateConfig(parse(minimalConfig()), {}, ctx);
    expect(none.skipped).toEqual(['cpu', 'gpu']);
    expect(parse_(none.text)).toEqual({});
  });

  it('reports every template problem of the registered instances', () => {
    const config = parse(minimalConfig().replace('cache_dir = "$HOME/cache"', 'cache_dir = "$NOPE"'));
    expect(() => renderGeneratedConfig(config, tokens, ctx)).toThrow(ConfigError);
    try {
      renderGeneratedConfig(config, tokens, ctx);
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.instance)).toEqual(['cpu', 'gpu']);
    }
  });
});

describe('writeGeneratedConfig', () => {
  it('writes the file with mode 0600, creating its directory, and warns about unregistered instances', async () => {
    const path = join(makeTempDir(), 'data', 'site.gitlab-config.toml');
    const warnings: string[] = [];
    const result = await writeGeneratedConfig(
      path,
      parse(minimalConfig()),
      { cpu: tokens.cpu! },
      {
        ...ctx,
        logger: { warn: (message) => warnings.push(message) },
      },
    );
    expect(result).toEqual({ included: ['cpu'], skipped: ['gpu'] });
    expect(warnings).toEqual([`runner instance "gpu" has no token yet, so it is not in ${path}`]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^# Generated by gitlab-meta-runner for "site"/);
  });
});

function parse_(text: string) {
  return parseToml(text) as { runners: Array<Record<string, unknown>> };
}
