import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { execArguments, execEnvironment, findApptainer } from './apptainer.js';
import { settingsFromSection } from './settings.js';

afterAll(removeTempDirs);

const settings = (extra: Record<string, unknown> = {}) =>
  settingsFromSection({ builds_dir: '/b', ...extra }, { originOf: () => 'test', variables: {} });

describe('apptainer', () => {
  it('finds the tool in PATH or by path', () => {
    const dir = makeTempDir();
    for (const name of ['apptainer', 'singularity']) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    expect(findApptainer('apptainer', { PATH: `/nowhere:${dir}` }, '/')).toBe(join(dir, 'apptainer'));
    expect(findApptainer(join(dir, 'singularity'), {}, '/')).toBe(join(dir, 'singularity'));
    expect(() => findApptainer('apptainer', { PATH: '/nowhere' }, '/')).toThrow(
      expect.objectContaining({ code: 'MR_EXECUTOR_APPTAINER_MISSING', failure: 'system' }),
    );
  });

  it('passes GPU, Slurm, proxy and pass_env variables through --cleanenv by name, never in argv', () => {
    const env = execEnvironment(
      { prefix: 'APPTAINER' },
      { CUDA_VISIBLE_DEVICES: '0', SLURM_JOB_ID: '9', MY_A: 'a', OTHER: 'o', APPTAINERENV_MY_A: 'mine' },
      settings({ pass_env: ['MY_*'], image_cache_dir: '/c', image_tmp_dir: '/t' }),
    );
    expect(env).toMatchObject({
      APPTAINERENV_CUDA_VISIBLE_DEVICES: '0',
      APPTAINERENV_SLURM_JOB_ID: '9',
      APPTAINERENV_MY_A: 'mine',
      APPTAINER_CACHEDIR: '/c',
      APPTAINER_TMPDIR: '/t',
    });
    expect(env.APPTAINERENV_OTHER).toBeUndefined();
    const singularity = execEnvironment(
      { prefix: 'SINGULARITY' },
      { SLURM_NTASKS: '4' },
      settings({ image_tmp_dir: '/t' }),
    );
    expect(singularity).toMatchObject({ SINGULARITYENV_SLURM_NTASKS: '4', SINGULARITY_TMPDIR: '/t' });
  });

  const input = {
    image: '/i.sif',
    binds: ['/s', '/b/1'],
    pwd: '/b/1/p',
    marker: '/s/m',
    script: '/s/script.',
    jobHome: '/b/1/.mr-home',
  };

  it('builds the exec command line', () => {
    expect(
      execArguments(
        settings({ gpu_nvidia: true, gpu_amd: true, exec_args: ['--compat'] }),
        { noEval: true },
        input,
      ),
    ).toEqual([
      'exec',
      '--home',
      '/b/1/.mr-home',
      '--writable-tmpfs',
      '--cleanenv',
      '--no-eval',
      '--pid',
      '--nv',
      '--rocm',
      '--bind',
      '/s',
      '--bind',
      '/b/1',
      '--pwd',
      '/b/1/p',
      '--compat',
      '/i.sif',
      '/bin/sh',
      '-c',
      expect.stringContaining(': > "$1"'),
      'sh',
      '/s/m',
      '/s/script.',
    ]);
  });

  it.each([
    [{}, true, ['--home', '/b/1/.mr-home', '--writable-tmpfs', '--cleanenv', '--no-eval']],
    [{ home: 'user' }, true, ['--writable-tmpfs', '--cleanenv', '--no-eval']],
    [{ home: 'none', writable_tmpfs: false }, false, ['--no-home', '--cleanenv']],
  ])('with %j and --no-eval %s, starts with the home, tmpfs and eval flags %j', (extra, noEval, flags) => {
    expect(execArguments(settings(extra), { noEval }, input).slice(1, flags.length + 1)).toEqual(flags);
  });
});
