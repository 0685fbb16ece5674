import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { minimalConfig, originalExample } from '../test/config-text.js';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './parse.js';

afterAll(removeTempDirs);

const file = '/etc/mr/config.toml';

function problemsOf(text: string, env: Record<string, string | undefined> = {}): ConfigError {
  try {
    parseConfig(text, { file, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads the original example with its values, converting nothing it does not need to', () => {
    const config = parseConfig(originalExample, { file, env: {} });
    expect(config).toMatchObject({
      name: 'meta-runner',
      project: 'gitlab-org/gitlab',
      hostname: 'gitlab.com',
      management_token: 'enter-your-token-here',
      runners: {
        'test-runner': {
          tags: ['tag-1', 'tag-2'],
          launch_priority: 10,
          config_variables: { VARIABLE: 'value' },
        },
      },
      poll: { interval: 30_000 },
      launch: { executable: 'sbatch', args: [], workdir: '$HOME/launch', timeout: 300_000, group_size: 1 },
      executor: {
        builds_dir: '$HOME/builds',
        pull_policy: 'if-not-present',
        gpu_amd: false,
        gpu_nvidia: false,
        mount: [],
        description: 'Slurm job $SLURM_JOB_ID',
      },
      runner: {
        builds_dir: '$HOME/builds/$NAME/',
        cache_dir: '$HOME/cache/',
        executor: 'custom',
        environment: ['ENV_VARIABLE=value'],
        custom: { config_exec: '$THIS', config_args: ['executor', '$NAME', 'config'] },
      },
    });
    expect(config.launch?.stdin).toBe(
      '#!/bin/bash\ngitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1\n',
    );
  });

  it('fills in the defaults of every new key with the original behaviour', () => {
    const config = parseConfig(originalExample, { file, env: {} });
    expect(config.rotate_tokens_within).toBe(7 * 86_400_000);
    expect(config.runners['test-runner']).toEqual({
      tags: ['tag-1', 'tag-2'],
      launch_priority: 10,
      run_untagged: false,
      max_resource_runners: 8,
      resource_runner_idle: 3_600_000,
      config_variables: { VARIABLE: 'value' },
    });
    expect(config.launch).toMatchObject({
      batch_system: 'auto',
      cancel_stale: false,
      pickup_timeout: 600_000,
      concurrency: 4,
      max_launches_per_cycle: 50,
      failure_backoff: 30_000,
    });
    expect(config.launch?.max_in_flight).toBeUndefined();
    expect(config.executor).toMatchObject({
      predefined_stages: 'host',
      pass_env: [],
      exec_args: [],
      kill_timeout: 10_000,
    });
  });

  it('defaults [executor] and [runner.custom] when they are left out', () => {
    const config = parseConfig(minimalConfig().replace(/\[executor\][^[]*/, ''), { file, env: {} });
    expect(config.executor).toMatchObject({
      pull_policy: 'if-not-present',
      apptainer_executable: 'apptainer',
      mount: [],
    });
    expect(config.runner.custom).toEqual({
      config_exec: '$THIS',
      config_args: ['executor', '$NAME', 'config'],
      prepare_exec: '$THIS',
      prepare_args: ['executor', '$NAME', 'prepare'],
      run_exec: '$THIS',
      run_args: ['executor', '$NAME', 'run'],
      cleanup_exec: '$THIS',
      cleanup_args: ['executor', '$NAME', 'cleanup'],
    });
  });

  it('leaves launch undefined without a [launch] section', () => {
    const config = parseConfig(minimalConfig().replace(/\[launch\][\s\S]*?(?=\[executor\])/, ''), {
      file,
      env: {},
    });
    expect(config.launch).toBeUndefined();
  });

  it('converts durations to milliseconds and sizes to bytes', () => {
    const text = minimalConfig()
      .replace('interval = 30', 'interval = "2m"')
      .replace('image_dir = "$HOME/images"', 'image_dir = "x"\nimage_max_size = "50G"\nimage_max_age = "30d"')
      .replace('executable = "sbatch"', 'executable = "sbatch"\ntimeout = "5m"\npickup_timeout = "1h30m"');
    const config = parseConfig(`rotate_tokens_within = 3600\n${text}`, { file, env: {} });
    expect(config.poll.interval).toBe(120_000);
    expect(config.rotate_tokens_within).toBe(3_600_000);
    expect(config.launch?.timeout).toBe(300_000);
    expect(config.launch?.pickup_timeout).toBe(5_400_000);
    expect(config.executor.image_max_size).toBe(50 * 1024 ** 3);
    expect(config.executor.image_max_age).toBe(30 * 86_400_000);
  });

  it('accepts a numeric project id and keeps it as a string', () => {
    const config = parseConfig(minimalConfig().replace('project = "group/project"', 'project = 1234'), {
      file,
      env: {},
    });
    expect(config.project).toBe('1234');
  });

  it('expands management_token from the environment when it contains $', () => {
    const text = minimalConfig().replace('"glpat-secret-value"', '"$GITLAB_TOKEN"');
    expect(parseConfig(text, { file, env: { GITLAB_TOKEN: 'glpat-from-env' } }).management_token).toBe(
      'glpat-from-env',
    );
    expect(parseConfig(minimalConfig(), { file, env: {} }).management_token).toBe('glpat-secret-value');
  });

  it('reports an undefined variable in management_token as a template problem', () => {
    const error = problemsOf(minimalConfig().replace('"glpat-secret-value"', '"${GITLAB_TOKEN}"'));
    expect(error.code).toBe('MR_CONFIG_TEMPLATE');
    expect(error.variable).toBe('GITLAB_TOKEN');
    expect(error.details).toEqual([
      'line 4: management_token: undefined variable "GITLAB_TOKEN" at position 1 (set it in the environment of gitlab-meta-runner)',
    ]);
  });

  it('reports an empty file and a file of comments as MR_CONFIG_EMPTY', () => {
    expect(problemsOf('').code).toBe('MR_CONFIG_EMPTY');
    expect(problemsOf('  \n\n').code).toBe('MR_CONFIG_EMPTY');
    const comments = problemsOf('# nothing here\n');
    expect(comments.code).toBe('MR_CONFIG_EMPTY');
    expect(comments.message).toContain(file);
  });

  it('reports broken TOML with file, line and column', () => {
    const error = problemsOf('name = "x"\nproject = [1,\n');
    expect(error).toMatchObject({ code: 'MR_CONFIG_SYNTAX', file, line: 3, column: 1 });
    expect(error.message).toMatch(/^\/etc\/mr\/config\.toml:3:1: not valid TOML: /);
  });

  it('ignores a byte order mark', () => {
    expect(parseConfig(`\uFEFF${minimalConfig()}`, { file, env: {} }).name).toBe('site');
  });

  it('collects every problem of the file into one error, sorted by line, with what was expected and found', () => {
    const text = minimalConfig()
      .replace('interval = 30', 'interval = 0\nintervall = 5')
      .replace('tags = ["cpu"]', 'tags = "cpu"')
      .replace('PARTITION = "a100"', 'PARTITION = 100')
      .replace('image_dir = "$HOME/images"', 'image_dir = "x"\npull_policy = "sometimes"\ngroup_size = 2')
      .replace('executable = "sbatch"', 'executable = "sbatch"\ngroup_size = 0');
    const error = problemsOf(`${text}\n[runer]\nx = 1\n`);
    expect(error.code).toBe('MR_CONFIG_INVALID');
    expect(error.message).toBe(`config file ${file} is not valid (8 problems)`);
    expect(error.details).toEqual([
      'line 7: runners.cpu.tags: expected an array of strings, found string "cpu"',
      'line 13: runners.gpu.config_variables.PARTITION: expected a string (write numbers and booleans in quotes, e.g. "4"), found integer 100',
      'line 16: poll.interval: expected a duration greater than 0, found integer 0',
      'line 17: poll.intervall: unknown key; did you mean "interval"?',
      'line 21: launch.group_size: expected an integer of at least 1, found integer 0',
      'line 31: executor.pull_policy: expected one of "always", "if-not-present", "never", found string "sometimes"',
      'line 32: executor.group_size: unknown key; "group_size" belongs in [launch]',
      'line 39: runer: unknown key; did you mean "runner"?',
    ]);
    expect(error.problems.find((p) => p.path === 'poll.intervall')?.suggestion).toBe('interval');
    expect(error.hint).toContain('show-example-config');
  });

  it.each([
    ['interval = -5', 'interval = 30', 'poll.interval: expected a duration greater than 0, found integer -5'],
    [
      'interval = "10 minutes"',
      'interval = 30',
      'poll.interval: expected a duration: a number of seconds, or a string like "90s", "10m", "1h30m", "7d", found string "10 minutes"',
    ],
    [
      'interval = true',
      'interval = 30',
      'poll.interval: expected a duration greater than 0: a number of seconds, or a string like "30s", "2m", found boolean true',
    ],
    [
      '[poll]\n',
      '[poll]\ninterval = 30\n',
      'poll.interval: missing; expected a duration greater than 0: a number of seconds, or a string like "30s", "2m"',
    ],
    [
      'gpu_nvidia = 1\n',
      'description =',
      'executor.gpu_nvidia: expected a boolean, or a string that expands to "true" or "false", found integer 1',
    ],
    [
      'mount = "/scratch"\n',
      'description =',
      'executor.mount: expected an array of strings, found string "/scratch"',
    ],
    ['mount = ["/a", 3]\n', 'description =', 'executor.mount[1]: expected a string, found integer 3'],
    [
      'image_max_size = "lots"\n',
      'description =',
      'executor.image_max_size: expected a size: a number of bytes, or a string like "500M", "50G" (powers of 1024), found string "lots"',
    ],
    [
      'pass_env = ["OK_*", "bad name"]\n',
      'description =',
      'executor.pass_env[1]: expected a variable name or a prefix pattern such as "MY_*", found string "bad name"',
    ],
    [
      'output_limit = 2.5\n',
      'builds_dir = "$HOME/builds/$NAME"',
      'runner.output_limit: expected an integer ≥ 1, found float 2.5',
    ],
    [
      'environment = [3]\n',
      'builds_dir = "$HOME/builds/$NAME"',
      'runner.environment[0]: expected a string, found integer 3',
    ],
    [
      'executor = "docker"\n',
      'builds_dir = "$HOME/builds/$NAME"',
      'runner.executor: expected one of "custom", "shell", found string "docker"',
    ],
    [
      'batch_system = "pbs"\n',
      'executable = "sbatch"',
      'launch.batch_system: expected one of "auto", "slurm", "generic", found string "pbs"',
    ],
    [
      'concurrency = 0\n',
      'executable = "sbatch"',
      'launch.concurrency: expected an integer of at least 1, found integer 0',
    ],
    [
      'max_launches_per_cycle = 0\n',
      'executable = "sbatch"',
      'launch.max_launches_per_cycle: expected an integer of at least 1, found integer 0',
    ],
    [
      '"bad-name" = "x"\n',
      'PARTITION = "a100"',
      'runners.gpu.config_variables.bad-name: not a valid name; expected a variable name: a letter or "_", then letters, digits or "_"',
    ],
    [
      'max_in_flight = 0\n',
      'launch_priority = 5',
      'runners.gpu.max_in_flight: expected an integer of at least 1, found integer 0',
    ],
    [
      'run_untagged = "yes"\n',
      'launch_priority = 5',
      'runners.gpu.run_untagged: expected a boolean, found string "yes"',
    ],
  ])('reports %j clearly', (line, anchor, message) => {
    const text = anchor.startsWith('[poll]')
      ? minimalConfig().replace(anchor, line)
      : minimalConfig().replace(anchor, `${line}${anchor === 'interval = 30' ? '' : anchor}`);
    const error = problemsOf(text);
    expect(error.details.map((d) => d.replace(/^line \d+: /, ''))).toEqual([message]);
  });

  it.each([
    [
      'hostname = "ftp://gitlab.com"',
      'hostname: expected a host name such as "gitlab.com" or an http(s) URL',
    ],
    ['name = "a/b"', 'name: expected a name of letters, digits, ".", "_" and "-"'],
    [
      'project = ""',
      'project: expected a project path such as "group/project", or a numeric project id, found string ""',
    ],
  ])('checks the top-level value %j', (line, start) => {
    const key = line.split(' ')[0]!;
    const text = minimalConfig().replace(new RegExp(`^${key} = .*$`, 'm'), line);
    expect(problemsOf(text).details[0]).toContain(start);
  });

  it('names a missing section and missing keys', () => {
    const error = problemsOf(
      minimalConfig()
        .replace(/\[runner\][\s\S]*$/, '')
        .replace('name = "site"\n', ''),
    );
    expect(error.details).toEqual(['name: missing; expected a string', 'missing section [runner]']);
    const noRunners = problemsOf(minimalConfig().replace(/\[runners\.[\s\S]*?(?=\[poll\])/, ''));
    expect(noRunners.details).toEqual([
      'missing [runners.<instance>] tables: the config needs its runner instances',
    ]);
  });

  it('never shows the management token in a message', () => {
    const error = problemsOf(
      minimalConfig().replace(
        'management_token = "glpat-secret-value"',
        'management_token = ["glpat-secret-value"]',
      ),
    );
    expect(error.details).toEqual(['line 4: management_token: expected a string, found an array of 1 item']);
    const wrong = problemsOf(minimalConfig().replace('"glpat-secret-value"', '""'));
    expect(JSON.stringify(wrong)).not.toContain('glpat');
  });

  it('suggests keys across sections and lists the valid keys when nothing is close', () => {
    const error = problemsOf(minimalConfig().replace('[poll]', 'group_siz = 2\nzzz = 1\n[poll]'));
    expect(error.details.map((d) => d.replace(/^line \d+: /, ''))).toEqual([
      'runners.gpu.config_variables.group_siz: expected a string (write numbers and booleans in quotes, e.g. "4"), found integer 2',
      'runners.gpu.config_variables.zzz: expected a string (write numbers and booleans in quotes, e.g. "4"), found integer 1',
    ]);
    const top = problemsOf(`tagz = ["x"]\nexecutable = "sbatch"\n${minimalConfig()}`);
    expect(top.details).toEqual([
      'line 1: tagz: unknown key (valid keys here: name, project, projects, group, include_subgroups, hostname, management_token, rotate_tokens_within, runners, poll, launch, metrics, executor, runner)',
      'line 2: executable: unknown key; "executable" belongs in [launch]',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads a file', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'c.toml'), minimalConfig());
    await expect(loadConfig(join(dir, 'c.toml'), { env: {} })).resolves.toMatchObject({ name: 'site' });
  });

  it('reports a missing file as MR_CONFIG_NOT_FOUND with a hint', async () => {
    const path = join(makeTempDir(), 'missing.toml');
    await expect(loadConfig(path)).rejects.toMatchObject({
      code: 'MR_CONFIG_NOT_FOUND',
      message: `config file ${path} does not exist`,
      hint: expect.stringContaining('create-example-config'),
    });
  });

  it('reports a directory as MR_CONFIG_UNREADABLE', async () => {
    const dir = join(makeTempDir(), 'dir.toml');
    mkdirSync(dir);
    await expect(loadConfig(dir)).rejects.toMatchObject({
      code: 'MR_CONFIG_UNREADABLE',
      message: `cannot read config file ${dir}: it is a directory`,
    });
  });

  it('reports a file that is not UTF-8 as MR_CONFIG_UNREADABLE', async () => {
    const path = join(makeTempDir(), 'binary.toml');
    writeFileSync(path, Buffer.from([0x6e, 0x3d, 0xff, 0xfe]));
    await expect(loadConfig(path)).rejects.toMatchObject({ code: 'MR_CONFIG_UNREADABLE' });
  });
});

describe('requireManagementToken', () => {
  const text = minimalConfig().replace('"glpat-secret-value"', '"$UNSET_TOKEN_VARIABLE"');

  it('makes an unset management token variable a problem by default', () => {
    expect(() => parseConfig(text, { file: 'c.toml', env: {} })).toThrow(
      expect.objectContaining({
        code: 'MR_CONFIG_TEMPLATE',
        problems: [expect.objectContaining({ variable: 'UNSET_TOKEN_VARIABLE' })],
      }),
    );
  });

  it('keeps the token as written when false', () => {
    const config = parseConfig(text, { file: 'c.toml', env: {}, requireManagementToken: false });
    expect(config.management_token).toBe('$UNSET_TOKEN_VARIABLE');
  });
});
