import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exampleConfig, parseConfig, parseTomlText, writeTokens } from '@mr/runner-config';
import { makeTempDir, packageDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

const originalExample = readFileSync(
  join(packageDir('runner-config'), 'test', 'fixtures', 'original-example-config.toml'),
  'utf8',
);
const isRoot = process.getuid?.() === 0;

/** Writes a config file into a fresh directory and returns its path. */
function configFile(text: string, name = 'config.toml'): string {
  const path = join(makeTempDir(), name);
  writeFileSync(path, text);
  return path;
}

const withOriginal = (edit: (text: string) => string) => configFile(edit(originalExample));

describe('show-example-config', () => {
  it('prints the documented example, whose settings equal the original example', async () => {
    const result = await runCli(['show-example-config']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(exampleConfig());
    expect(result.stdout).not.toContain('\x1b[');
    const options = { file: 'x', env: {} };
    expect(parseConfig(result.stdout, options)).toEqual(parseConfig(originalExample, options));
  });

  it('colours the TOML when colour is forced, and never with NO_COLOR', async () => {
    const coloured = await runCli(['show-example-config'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\x1b[1;36m[poll]\x1b[0m');
    expect(coloured.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(exampleConfig());
    const plain = await runCli(['show-example-config'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(plain.stdout).toBe(exampleConfig());
  });
});

describe('create-example-config', () => {
  it('writes the example to the config path, creating the directory, mode 0600', async () => {
    const path = join(makeTempDir(), 'new', 'dir', 'site.toml');
    const result = await runCli(['create-example-config', '--config-file', path]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`wrote an example config to ${path}\n`);
    expect(readFileSync(path, 'utf8')).toBe(exampleConfig());
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('uses $XDG_CONFIG_HOME/gitlab-meta-runner.toml by default', async () => {
    const xdg = makeTempDir();
    const result = await runCli(['create-example-config'], { env: { XDG_CONFIG_HOME: xdg } });
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(xdg, 'gitlab-meta-runner.toml'))).toBe(true);
  });

  it('never overwrites an existing file: exit 2 and the file is unchanged', async () => {
    const path = configFile('# mine\n');
    const result = await runCli(['create-example-config', '--config-file', path]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error: ${path} already exists; it was not changed\n`);
    expect(readFileSync(path, 'utf8')).toBe('# mine\n');
  });
});

describe('check-config', () => {
  it('accepts the original example config unchanged', async () => {
    const result = await runCli(['check-config', '--config-file', configFile(originalExample)]);
    expect(result.stderr).toBe(
      'warning: management_token is still the placeholder of the example; configure and run need a real token\n',
    );
    expect(result.stdout).toMatch(
      /^OK: .*config\.toml: 1 runner instance \(test-runner\) for project gitlab-org\/gitlab; \[runner\], \[executor\] and \[launch\] instantiated for each\n$/,
    );
    expect(result.exitCode).toBe(0);
  });

  const cases: Array<[name: string, path: () => string, lines: string[]]> = [
    [
      'a missing file',
      () => join(makeTempDir(), 'missing.toml'),
      ['does not exist', 'hint: write one with "gitlab-meta-runner create-example-config"'],
    ],
    [
      'an unreadable path (a directory)',
      () => {
        const dir = join(makeTempDir(), 'config.toml');
        mkdirSync(dir);
        return dir;
      },
      ['it is a directory'],
    ],
    ['an empty file', () => configFile(''), ['is empty', 'hint: gitlab-meta-runner create-example-config']],
    ['broken TOML', () => configFile('name = "x"\n[poll\n'), ['config.toml:2:', 'not valid TOML']],
    [
      'an unknown key',
      () => withOriginal((t) => t.replace('interval = 30', 'intervall = 30')),
      ['line 28: poll.intervall: unknown key; did you mean "interval"?', 'poll.interval: missing'],
    ],
    [
      'a wrong type',
      () => withOriginal((t) => t.replace('group_size = 1', 'group_size = "one"')),
      ['launch.group_size: expected an integer ≥ 1, found string "one"'],
    ],
    [
      'a config_variables value that is not a string',
      () => withOriginal((t) => t.replace('VARIABLE = "value"', 'VARIABLE = 42')),
      ['runners.test-runner.config_variables.VARIABLE: expected a string', 'found integer 42'],
    ],
    [
      'an undefined variable',
      () => withOriginal((t) => t.replace('image_dir = "$HOME/images"', 'image_dir = "$SCRATCH/images"')),
      [
        'error: cannot instantiate the templates for runner instance "test-runner" (1 problem)',
        '  executor.image_dir (instance "test-runner"): undefined variable "SCRATCH" at position 1',
        'hint: define the variable in [runners.<instance>.config_variables] or in the environment',
      ],
    ],
    [
      'a zero interval',
      () => withOriginal((t) => t.replace('interval = 30', 'interval = 0')),
      ['poll.interval: expected a duration greater than 0, found integer 0'],
    ],
    [
      'a negative interval',
      () => withOriginal((t) => t.replace('interval = 30', 'interval = "-5m"')),
      ['poll.interval: expected a duration greater than 0, found string "-5m"'],
    ],
    [
      'group_size 0',
      () => withOriginal((t) => t.replace('group_size = 1', 'group_size = 0')),
      ['launch.group_size: expected an integer of at least 1, found integer 0'],
    ],
    [
      'an unknown pull_policy',
      () => withOriginal((t) => t.replace('"if-not-present"', '"sometimes"')),
      ['executor.pull_policy: expected one of "always", "if-not-present", "never", found string "sometimes"'],
    ],
  ];

  it.concurrent.each(cases)(
    'rejects %s with a clear message and exit 2, without a stack trace',
    async (_, path, lines) => {
      const result = await runCli(['check-config', '--config-file', path()]);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: /);
      for (const line of lines) expect(result.stderr).toContain(line);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it('lists every problem of a file at once', async () => {
    const path = withOriginal((t) =>
      t
        .replace('interval = 30', 'interval = 0')
        .replace('group_size = 1', 'group_size = 0')
        .replace('[runner]', '[runer]'),
    );
    const result = await runCli(['check-config', '--config-file', path]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n').slice(0, 6)).toEqual([
      `error: config file ${path} is not valid (5 problems)`,
      '  line 28: poll.interval: expected a duration greater than 0, found integer 0',
      '  line 54: launch.group_size: expected an integer of at least 1, found integer 0',
      '  line 93: runer: unknown key; did you mean "runner"?',
      '  line 103: runner.builds_dir: missing; expected a string',
      '  line 103: runner.cache_dir: missing; expected a string',
    ]);
  });

  it('rejects a file without read permission', async () => {
    const path = configFile(originalExample);
    chmodSync(dirname(path), 0o755);
    chmodSync(path, 0o000);
    // Root reads any file, so as root (CI) the command runs without the capabilities that allow it.
    const unprivileged = isRoot ? { withoutFileOverride: true } : {};
    const result = await runCli(['check-config', '--config-file', path], unprivileged);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error: cannot read config file ${path}: permission denied`);
  });

  it('shows the error code and stack with -vv', async () => {
    const result = await runCli(['check-config', '-vv', '--config-file', configFile('')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('code: MR_CONFIG_EMPTY');
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});

interface ShownConfig {
  management_token: string;
  poll: unknown;
  instances: Record<
    string,
    {
      registration?: unknown;
      runner: { builds_dir: string; environment: string[] };
      executor: { builds_dir: string; kill_timeout: unknown };
      launch: { args: string[]; stdin: string; batch_system: string };
    }
  >;
}

describe('show-config', () => {
  const config = `name = "site"
project = "group/project"
hostname = "http://127.0.0.1:8080"
management_token = "$GITLAB_TOKEN"

[runners.gpu]
tags = ["gpu"]
[runners.gpu.config_variables]
PARTITION = "a100"

[poll]
interval = "1m"

[launch]
executable = "sbatch"
args = ["--partition=$PARTITION"]
stdin = "gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS"

[runner]
builds_dir = "~/builds/$NAME"
cache_dir = "~/cache"
environment = ["LEAK=$GITLAB_TOKEN"]
`;
  const env = { GITLAB_TOKEN: 'glpat-very-secret' };

  async function setup() {
    const dir = makeTempDir();
    const path = join(dir, 'site.toml');
    writeFileSync(path, config);
    await writeTokens(join(dir, 'data', 'site.tokens'), { gpu: { id: 7, token: 'glrt-runner-secret' } });
    return { dir, path, args: ['--config-file', path, '--data-dir', join(dir, 'data')] };
  }

  it('prints the parsed config and the instantiated sections as TOML, secrets redacted', async () => {
    const { dir, args } = await setup();
    const result = await runCli(['show-config', ...args], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('glpat-very-secret');
    expect(result.stdout).not.toContain('glrt-runner-secret');
    const document = parseTomlText(result.stdout, 'stdout') as unknown as ShownConfig;
    expect(document.management_token).toBe('[redacted]');
    // Durations are shown as the file writes them, so that the output reads back the same.
    expect(document.poll).toEqual({ interval: '1m', adaptive: true, fast_interval: '2s', keep_alive: '30m' });
    const gpu = document.instances.gpu!;
    expect(gpu.executor.kill_timeout).toBe('10s');
    expect(gpu.registration).toEqual({ id: 7, token: '[redacted]' });
    expect(gpu.runner.builds_dir).toBe(`${process.env.HOME}/builds/gpu`);
    expect(gpu.runner.environment).toEqual(['LEAK=[redacted]']);
    expect(gpu.launch.args).toEqual(['--partition=a100']);
    expect(gpu.launch.stdin).toBe(
      `gitlab-runner run-single --config ${join(dir, 'data', 'site.gitlab-config.toml')} --runner gpu --max-builds 1`,
    );
    expect(gpu.launch.batch_system).toBe('slurm');
    expect(gpu.executor.builds_dir).toBe(`${process.env.HOME}/builds/gpu`);
  });

  it('says what the config covers: a group with its subgroups, in the text and in --json', async () => {
    const { path, args } = await setup();
    writeFileSync(path, config.replace('project = "group/project"', 'group = "lab"'));
    const text = await runCli(['show-config', ...args], { env });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^# Its runners take the jobs of group lab and its subgroups\.$/m);
    expect((parseTomlText(text.stdout, 'stdout') as { group?: string }).group).toBe('lab');
    const json = JSON.parse((await runCli(['show-config', '--json', ...args], { env })).stdout);
    expect(json.scope).toEqual({
      kind: 'group',
      group: 'lab',
      includeSubgroups: true,
      description: 'group lab and its subgroups',
    });
    const checked = await runCli(['check-config', '--config-file', path], { env });
    expect(checked.stdout).toMatch(/1 runner instance \(gpu\) for group lab and its subgroups;/);
  });

  it('prints JSON with --json, honouring --generated-config-file', async () => {
    const { args } = await setup();
    const result = await runCli(
      ['show-config', '--json', ...args, '--generated-config-file', '/x/runner.toml'],
      { env },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('glpat-very-secret');
    const document = JSON.parse(result.stdout);
    expect(document.config.management_token).toBe('[redacted]');
    expect(document.generated_config_file).toBe('/x/runner.toml');
    expect(document.instances.gpu.launch.stdin).toContain('--config /x/runner.toml --runner gpu');
  });

  it('fails like check-config when a variable is undefined', async () => {
    const { args } = await setup();
    const result = await runCli(['show-config', ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('management_token: undefined variable "GITLAB_TOKEN"');
    expect(result.stdout).toBe('');
  });
});
