import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { expandKeepingUndefined } from './lenient-expand.js';
import { settingsFromSection } from './settings.js';
import { parseStandaloneArgv } from './standalone-argv.js';
import { standaloneSettings } from './standalone.js';

afterAll(removeTempDirs);

const context = (variables: Record<string, string> = {}) => ({
  originOf: () => 'exec.toml',
  variables,
  home: '/home/me',
});

describe('settingsFromSection', () => {
  it('applies defaults and converts durations and sizes', () => {
    expect(settingsFromSection({ builds_dir: '/b' }, context())).toEqual({
      builds_dir: '/b',
      pull_policy: 'if-not-present',
      apptainer_executable: 'apptainer',
      gpu_amd: false,
      gpu_nvidia: false,
      mount: [],
      predefined_stages: 'host',
      pass_env: [],
      exec_args: [],
      kill_timeout: 10_000,
      home: 'job',
      writable_tmpfs: true,
      image_layer_cache: false,
    });
    const s = settingsFromSection(
      {
        builds_dir: '/b',
        image_max_size: '2G',
        image_max_age: '30d',
        kill_timeout: 3,
        allowed_pull_policies: ['never'],
      },
      context(),
    );
    expect(s).toMatchObject({
      image_max_size: 2 * 1024 ** 3,
      image_max_age: 30 * 86_400_000,
      kill_timeout: 3000,
      allowed_pull_policies: ['never'],
    });
  });

  it('expands paths, flags, mounts and exec args; keeps undefined variables of the description', () => {
    const s = settingsFromSection(
      {
        builds_dir: '~/builds/$USER',
        image_dir: '${SCRATCH:-/scratch}/images',
        gpu_nvidia: '$USE_GPU',
        mount: ['$SCRATCH:/scratch'],
        exec_args: ['--bind=$SCRATCH'],
        description: 'job $SLURM_JOB_ID on ${NODE} for $USER, $$5',
        default_image: '$NOT_EXPANDED',
      },
      context({ USER: 'me', USE_GPU: 'TRUE', SCRATCH: '/s' }),
    );
    expect(s).toMatchObject({
      builds_dir: '/home/me/builds/me',
      image_dir: '/s/images',
      gpu_nvidia: true,
      mount: ['/s:/scratch'],
      exec_args: ['--bind=/s'],
      description: 'job $SLURM_JOB_ID on ${NODE} for me, $5',
      default_image: '$NOT_EXPANDED',
    });
  });

  it('lists every problem with the file, the key, what was expected and what was found', () => {
    let error: unknown;
    try {
      settingsFromSection(
        {
          image_dir: 'relative',
          pull_policy: 'sometimes',
          gpu_amd: 'maybe',
          mount: '/x',
          kill_timeout: 'soon',
          imagedir: '/x',
          pass_env: ['OK_*', 'bad name'],
          apptainer_executable: '$MISSING',
          home: 'mine',
        },
        context(),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'MR_EXECUTOR_SETTINGS', failure: 'system' });
    const details = (error as { details: string[] }).details.join('\n');
    for (const text of [
      'exec.toml: image_dir: expected an absolute path, found "relative"',
      'exec.toml: pull_policy: expected one of "always", "if-not-present", "never", found string "sometimes"',
      'exec.toml: gpu_amd: expands to "maybe"; expected "true" or "false"',
      'exec.toml: mount: expected an array of strings, found string "/x"',
      'exec.toml: kill_timeout: expected a duration',
      'exec.toml: imagedir: unknown key',
      'exec.toml: pass_env: expected an array of variable names or prefix patterns such as "MY_*"',
      'exec.toml: apptainer_executable: undefined variable "MISSING"',
      'exec.toml: home: expected one of "job", "user", "none", found string "mine"',
      "builds_dir: not set: the executor needs a directory for the jobs' builds",
    ]) {
      expect(details).toContain(text);
    }
  });
});

describe('pass_env', () => {
  it.each([
    ['HOME', 'would pass HOME, which apptainer does not let a variable set: use the home setting'],
    ['HO*', 'would pass HOME'],
    ['PATH', "would pass PATH, which would replace the image's PATH with this node's"],
    ['P*', 'would pass PATH'],
  ])('refuses %j with a clear error', (name, message) => {
    expect(() => settingsFromSection({ builds_dir: '/b', pass_env: ['OK', name] }, context())).toThrow(
      expect.objectContaining({
        code: 'MR_EXECUTOR_SETTINGS',
        message: expect.stringContaining(`exec.toml: pass_env: ${JSON.stringify(name)} ${message}`),
      }),
    );
  });

  it('takes other names and patterns', () => {
    expect(
      settingsFromSection({ builds_dir: '/b', pass_env: ['HOMER', 'PATHS', 'MY_*'] }, context()).pass_env,
    ).toEqual(['HOMER', 'PATHS', 'MY_*']);
  });
});

describe('expandKeepingUndefined', () => {
  it.each([
    ['plain', 'plain'],
    ['$A-$B', 'a-$B'],
    ['${B}/$A', '${B}/a'],
    ['${B:-$A}', 'a'],
    ['${A:-$B}', 'a'],
    ['${C:-$B}', '$B'],
    ['$$B', '$B'],
    ['${', '${'],
  ])('%j → %j', (template, expected) => {
    expect(expandKeepingUndefined(template, { A: 'a' })).toBe(expected);
  });
});

describe('the standalone command line', () => {
  it('reads options anywhere before the step, repeatable lists and flags', () => {
    expect(
      parseStandaloneArgv([
        '--config',
        'c.toml',
        '-vv',
        '--mount',
        '/a',
        '--mount=/b',
        '--gpu-nvidia',
        '--gpu-amd=false',
        '--exec-args',
        '--compat',
        '--kill-timeout',
        '5',
        'run',
        '/s/script.',
        'build_script',
      ]),
    ).toEqual({
      configFile: 'c.toml',
      settings: {
        mount: ['/a', '/b'],
        gpu_nvidia: true,
        gpu_amd: 'false',
        exec_args: ['--compat'],
        kill_timeout: '5',
      },
      verbose: 2,
      quiet: false,
      help: false,
      version: false,
      positional: ['run', '/s/script.', 'build_script'],
    });
  });

  it('rejects unknown options and missing values', () => {
    expect(() => parseStandaloneArgv(['--nope', 'config'])).toThrow(/unknown option --nope/);
    expect(() => parseStandaloneArgv(['--builds-dir'])).toThrow(/--builds-dir needs a value/);
  });

  it('takes settings from the config file ([executor] table or top level), options winning', () => {
    const dir = makeTempDir();
    const file = join(dir, 'exec.toml');
    writeFileSync(file, 'builds_dir = "$HOME/b"\n[executor]\nimage_dir = "/images"\npull_policy = "never"\n');
    const s = standaloneSettings(file, { pull_policy: 'always' }, { HOME: '/h' });
    expect(s).toMatchObject({ builds_dir: '/h/b', image_dir: '/images', pull_policy: 'always' });
    writeFileSync(file, 'builds_dir = 1\n');
    expect(() => standaloneSettings(file, {}, {})).toThrow(
      `${file}: builds_dir: expected a string, found number 1`,
    );
    expect(() => standaloneSettings(file, { builds_dir: 'x' }, {})).toThrow(
      'the command line: builds_dir: expected an absolute path',
    );
    writeFileSync(file, 'builds_dir = \n');
    expect(() => standaloneSettings(file, {}, {})).toThrow(`${file} is not valid TOML`);
  });
});
