import { describe, expect, it } from 'vitest';
import { minimalConfig, originalExample } from '../test/config-text.js';
import { ConfigError } from './errors.js';
import { instantiateAll } from './instantiate-all.js';
import {
  type InstanceContext,
  instantiateExecutor,
  instantiateLaunch,
  instantiateRunner,
} from './instantiate.js';
import { parseConfig } from './parse.js';

const ctx: InstanceContext = {
  thisPath: '/opt/mr/bin/gitlab-meta-runner',
  env: { HOME: '/home/me', PARTITION: 'from-env', ONLY_ENV: 'env-value' },
  home: '/home/me',
};
const launchCtx = { ...ctx, configPath: '/data/site.gitlab-config.toml', numJobs: 3 };
const parse = (text: string) => parseConfig(text, { file: 'c.toml', env: {} });

function templateError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('instantiateRunner', () => {
  it('instantiates the original example with NAME and THIS', () => {
    const runner = instantiateRunner(parse(originalExample), 'test-runner', ctx);
    expect(runner).toEqual({
      name: 'test-runner',
      builds_dir: '/home/me/builds/test-runner/',
      cache_dir: '/home/me/cache/',
      environment: ['ENV_VARIABLE=value'],
      executor: 'custom',
      custom: {
        config_exec: '/opt/mr/bin/gitlab-meta-runner',
        config_args: ['executor', 'test-runner', 'config'],
        prepare_exec: '/opt/mr/bin/gitlab-meta-runner',
        prepare_args: ['executor', 'test-runner', 'prepare'],
        run_exec: '/opt/mr/bin/gitlab-meta-runner',
        run_args: ['executor', 'test-runner', 'run'],
        cleanup_exec: '/opt/mr/bin/gitlab-meta-runner',
        cleanup_args: ['executor', 'test-runner', 'cleanup'],
      },
    });
  });

  it('looks up special variables first, then config_variables, then the environment', () => {
    const config = parse(
      minimalConfig('environment = ["P=$PARTITION", "N=$NAME", "E=$ONLY_ENV", "T=${THIS}"]\n').replace(
        'PARTITION = "a100"',
        'PARTITION = "a100"\nNAME = "not-this"',
      ),
    );
    expect(instantiateRunner(config, 'gpu', ctx).environment).toEqual([
      'P=a100',
      'N=gpu',
      'E=env-value',
      'T=/opt/mr/bin/gitlab-meta-runner',
    ]);
    expect(instantiateRunner(config, 'cpu', ctx).environment[0]).toBe('P=from-env');
  });

  it('expands a leading ~ to the home directory', () => {
    const config = parse(
      minimalConfig().replace('builds_dir = "$HOME/builds/$NAME"', 'builds_dir = "~/b/$NAME"'),
    );
    expect(instantiateRunner(config, 'cpu', { ...ctx, home: '/h' }).builds_dir).toBe('/h/b/cpu');
  });

  it('leaves out [runner.custom] for the shell executor and keeps output_limit', () => {
    const config = parse(minimalConfig('executor = "shell"\noutput_limit = 8192\n'));
    const runner = instantiateRunner(config, 'cpu', ctx);
    expect(runner.custom).toBeUndefined();
    expect(runner).toMatchObject({ executor: 'shell', output_limit: 8192 });
  });

  it('names the section, key path, instance and variable of an undefined variable, and all of them', () => {
    const config = parse(minimalConfig('environment = ["A=$MISSING_A", "B=${MISSING_B}"]\n'));
    const error = templateError(() => instantiateRunner(config, 'cpu', ctx));
    expect(error.code).toBe('MR_CONFIG_TEMPLATE');
    expect(error.message).toBe('cannot instantiate [runner] for runner instance "cpu" (2 problems)');
    expect(error).toMatchObject({
      section: 'runner',
      instance: 'cpu',
      keyPath: 'runner.environment[0]',
      variable: 'MISSING_A',
    });
    expect(error.details).toEqual([
      'runner.environment[0] (instance "cpu"): undefined variable "MISSING_A" at position 3',
      'runner.environment[1] (instance "cpu"): undefined variable "MISSING_B" at position 3',
    ]);
    expect(error.hint).toContain('config_variables');
  });

  it('reports an unknown instance with a suggestion', () => {
    const error = templateError(() => instantiateRunner(parse(minimalConfig()), 'gpus', ctx));
    expect(error).toMatchObject({ code: 'MR_CONFIG_UNKNOWN_INSTANCE', hint: 'did you mean "gpu"?' });
  });
});

describe('instantiateExecutor', () => {
  it('instantiates the original example; description stays as written while $SLURM_JOB_ID is unknown', () => {
    const executor = instantiateExecutor(parse(originalExample), 'test-runner', ctx);
    expect(executor).toEqual({
      builds_dir: '/home/me/builds',
      cache_dir: '/home/me/cache/',
      image_dir: '/home/me/images',
      image_cache_dir: '/home/me/image_cache',
      image_tmp_dir: '/home/me/image_tmp',
      pull_policy: 'if-not-present',
      apptainer_executable: 'apptainer',
      gpu_amd: false,
      gpu_nvidia: false,
      mount: [],
      description: 'Slurm job $SLURM_JOB_ID',
      predefined_stages: 'host',
      pass_env: [],
      exec_args: [],
      kill_timeout: 10_000,
      home: 'job',
      writable_tmpfs: true,
      image_layer_cache: false,
    });
  });

  it('expands description when the job runs', () => {
    const executor = instantiateExecutor(parse(originalExample), 'test-runner', {
      ...ctx,
      env: { ...ctx.env, SLURM_JOB_ID: '4711' },
    });
    expect(executor.description).toBe('Slurm job 4711');
  });

  it('falls back to [runner].builds_dir', () => {
    const executor = instantiateExecutor(parse(minimalConfig()), 'gpu', ctx);
    expect(executor.builds_dir).toBe('/home/me/builds/gpu');
    expect(executor.cache_dir).toBe('/home/me/cache');
  });

  it.each([
    ['true', true],
    ['false', false],
    ['$USE_GPU', true],
    ['${NO_SUCH:-false}', false],
    [' TRUE ', true],
  ])('reads gpu_nvidia = %j as %j', (value, expected) => {
    const config = parse(minimalConfig().replace('[executor]', `[executor]\ngpu_nvidia = "${value}"`));
    const executor = instantiateExecutor(config, 'gpu', { ...ctx, env: { ...ctx.env, USE_GPU: 'true' } });
    expect(executor.gpu_nvidia).toBe(expected);
  });

  it('rejects a gpu string that does not expand to true or false', () => {
    const config = parse(minimalConfig().replace('[executor]', '[executor]\ngpu_amd = "$GPU"'));
    const error = templateError(() =>
      instantiateExecutor(config, 'gpu', { ...ctx, env: { ...ctx.env, GPU: 'yes' } }),
    );
    expect(error.details).toEqual([
      'executor.gpu_amd (instance "gpu"): expands to "yes"; expected "true" or "false"',
    ]);
  });

  it('reports an undefined variable in image_dir, but not in description', () => {
    const config = parse(minimalConfig().replace('"$HOME/images"', '"$SCRATCH/images"'));
    const error = templateError(() => instantiateExecutor(config, 'cpu', ctx));
    expect(error).toMatchObject({ section: 'executor', keyPath: 'executor.image_dir', variable: 'SCRATCH' });
    expect(error.problems).toHaveLength(1);
  });

  it('still reports a syntax error in description', () => {
    const config = parse(minimalConfig().replace('"Slurm job $SLURM_JOB_ID"', '"job ${SLURM_JOB_ID"'));
    expect(templateError(() => instantiateExecutor(config, 'cpu', ctx)).keyPath).toBe('executor.description');
  });
});

describe('instantiateLaunch', () => {
  it('instantiates the original example with CONFIG and NUM_JOBS', () => {
    const launch = instantiateLaunch(parse(originalExample), 'test-runner', launchCtx);
    expect(launch).toEqual({
      executable: 'sbatch',
      args: [],
      workdir: '/home/me/launch',
      stdin:
        '#!/bin/bash\ngitlab-runner run-single --config /data/site.gitlab-config.toml --runner test-runner --max-builds 3 --wait-timeout 1\n',
      timeout: 300_000,
      group_size: 1,
      batch_system: 'slurm',
      cancel_stale: false,
      pickup_timeout: 600_000,
      concurrency: 4,
      max_launches_per_cycle: 50,
      failure_backoff: 30_000,
    });
  });

  it('uses config_variables with defaults, ~ and resolves batch_system', () => {
    const config = parse(
      minimalConfig().replace(
        'executable = "sbatch"',
        'executable = "/usr/bin/my-submit"\nstatus_command = ["q", "$NAME"]',
      ),
    );
    const gpu = instantiateLaunch(config, 'gpu', launchCtx);
    expect(gpu).toMatchObject({
      args: ['--parsable', '--partition=a100'],
      workdir: '/home/me/launch',
      batch_system: 'generic',
      status_command: ['q', 'gpu'],
    });
    expect(instantiateLaunch(config, 'cpu', { ...launchCtx, env: {} }).args[1]).toBe('--partition=cpu');
  });

  it('keeps $$ as a literal $ for the batch script', () => {
    const config = parse(minimalConfig().replace('#!/bin/bash', () => '#!/bin/bash\necho $$SLURM_JOB_ID'));
    expect(instantiateLaunch(config, 'cpu', launchCtx).stdin).toContain('echo $SLURM_JOB_ID\n');
  });

  it('throws MR_CONFIG_NO_LAUNCH without a [launch] section', () => {
    const config = parse(minimalConfig().replace(/\[launch\][\s\S]*?(?=\[executor\])/, ''));
    expect(templateError(() => instantiateLaunch(config, 'cpu', launchCtx)).code).toBe('MR_CONFIG_NO_LAUNCH');
  });
});

describe('instantiateAll', () => {
  it('instantiates every section of every instance', () => {
    const all = instantiateAll(parse(minimalConfig()), { ...ctx, configPath: '/data/x.toml' });
    expect(Object.keys(all)).toEqual(['cpu', 'gpu']);
    expect(all.gpu?.launch?.stdin).toContain('--max-builds 1');
    expect(all.cpu?.executor.image_dir).toBe('/home/me/images');
  });

  it('collects the problems of every instance and section into one error', () => {
    const config = parse(
      minimalConfig('environment = ["X=$NOPE"]\n').replace('workdir = "~/launch"', 'workdir = "$WORK"'),
    );
    const error = templateError(() => instantiateAll(config, { ...ctx, configPath: '/x' }));
    expect(error.code).toBe('MR_CONFIG_TEMPLATE');
    expect(error.message).toBe(
      'cannot instantiate the templates for runner instances "cpu", "gpu" (4 problems)',
    );
    expect(error.details).toEqual([
      'runner.environment[0] (instance "cpu"): undefined variable "NOPE" at position 3',
      'launch.workdir (instance "cpu"): undefined variable "WORK" at position 1',
      'runner.environment[0] (instance "gpu"): undefined variable "NOPE" at position 3',
      'launch.workdir (instance "gpu"): undefined variable "WORK" at position 1',
    ]);
  });
});
