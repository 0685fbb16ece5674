import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExecutorSettings } from './executor-settings.js';
import { instantiateExecutor } from './instantiate.js';

afterAll(removeTempDirs);

const context = {
  env: { HOME: '/home/me', SCRATCH: '/scratch/me', GPU: 'true' },
  thisPath: '/opt/mr/bin/mr',
  home: '/home/me',
};

const base = `
name = "hpc"
project = "group/project"
hostname = "gitlab.example.com"
management_token = "$TOKEN_FROM_ENV"

[runners.gpu]
tags = ["gpu"]
[runners.gpu.config_variables]
PARTITION = "gpu"
SCRATCH = "/from/config/variables"

[runners.cpu]
tags = ["cpu"]

[poll]
interval = 30

[runner]
builds_dir = "$SCRATCH/builds/$NAME"
cache_dir = "~/cache/$NAME"
`;

function configFile(text: string): string {
  const file = join(makeTempDir(), 'config.toml');
  writeFileSync(file, text);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

describe('loadExecutorSettings', () => {
  it('instantiates [executor] without loading the zod schema', async () => {
    const file = configFile(`${base}
[executor]
image_dir = "$SCRATCH/images/$PARTITION"
gpu_nvidia = "$GPU"
mount = ["$SCRATCH", "$THIS:/mr"]
kill_timeout = "1m"
image_max_size = "50G"
`);
    const settings = await loadExecutorSettings(file, 'gpu', context);
    expect(settings).toEqual({
      builds_dir: '/from/config/variables/builds/gpu',
      cache_dir: '/home/me/cache/gpu',
      image_dir: '/from/config/variables/images/gpu',
      pull_policy: 'if-not-present',
      apptainer_executable: 'apptainer',
      gpu_amd: false,
      gpu_nvidia: true,
      mount: ['/from/config/variables', '/opt/mr/bin/mr:/mr'],
      predefined_stages: 'host',
      pass_env: [],
      exec_args: [],
      image_max_size: 50 * 1024 ** 3,
      kill_timeout: 60_000,
      home: 'job',
      writable_tmpfs: true,
      image_layer_cache: false,
    });
    expect((globalThis as { __zod_globalConfig?: unknown }).__zod_globalConfig).toBeUndefined();
    // cpu has no PARTITION: the explanation names it, not the management token's missing variable.
    const error = await failure(loadExecutorSettings(file, 'cpu', context));
    expect(error).toMatchObject({
      code: 'MR_CONFIG_TEMPLATE',
      variable: 'PARTITION',
      keyPath: 'executor.image_dir',
    });
    expect(error.details).toEqual([
      'executor.image_dir (instance "cpu"): undefined variable "PARTITION" at position 17',
    ]);
  });

  it('agrees with the full schema and instantiation', async () => {
    const file = configFile(`${base}
[executor]
builds_dir = "$HOME/own-builds/$NAME"
image_dir = "$HOME/images"
image_cache_dir = "$HOME/image_cache"
image_tmp_dir = "$HOME/image_tmp"
pull_policy = "always"
apptainer_executable = "$HOME/bin/apptainer"
gpu_amd = true
gpu_nvidia = "false"
mount = ["/data:/data:ro"]
description = "node of $NAME"
default_image = "docker://ubuntu:24.04"
allowed_images = ["docker.io/library/*"]
allowed_pull_policies = ["always", "if-not-present"]
predefined_stages = "image"
pass_env = ["MY_*", "OMP_PLACES"]
exec_args = ["--compat"]
image_max_size = 1000
image_max_age = "30d"
kill_timeout = 5
`);
    const { loadConfig } = await import('./parse.js');
    const env = { ...context.env, TOKEN_FROM_ENV: 'glpat-x' };
    const full = instantiateExecutor(await loadConfig(file, { env }), 'gpu', { ...context, env });
    expect(await loadExecutorSettings(file, 'gpu', context)).toEqual(full);
  });

  it('expands description when the job runs, leaving variables that are not set as written', async () => {
    const file = configFile(
      `${base}\n[executor]\ndescription = "Slurm job $SLURM_JOB_ID on $NAME (\${NODE:-any node}, $$5)"\n`,
    );
    expect((await loadExecutorSettings(file, 'gpu', context)).description).toBe(
      'Slurm job $SLURM_JOB_ID on gpu (any node, $5)',
    );
    const atJobTime = { ...context, env: { ...context.env, SLURM_JOB_ID: '77' } };
    expect((await loadExecutorSettings(file, 'gpu', atJobTime)).description).toBe(
      'Slurm job 77 on gpu (any node, $5)',
    );
  });

  it('explains a wrong value with the full schema: file, line, key, expected and found', async () => {
    const file = configFile(`${base}\n[executor]\npull_policy = "sometimes"\n`);
    const error = await failure(loadExecutorSettings(file, 'gpu', context));
    expect(error).toMatchObject({ code: 'MR_CONFIG_INVALID', file });
    expect((error.details as string[]).join('\n')).toMatch(
      /executor\.pull_policy.*"always", "if-not-present", "never".*sometimes/,
    );
  });

  it('explains an undefined variable, an unknown instance, a syntax error and a missing file', async () => {
    // The management token's variable is not set on compute nodes; the executor never blames it.
    const undefinedVariable = configFile(`${base}\n[executor]\nimage_dir = "$NOWHERE/images"\n`);
    const template = await failure(loadExecutorSettings(undefinedVariable, 'gpu', context));
    expect(template).toMatchObject({
      code: 'MR_CONFIG_TEMPLATE',
      variable: 'NOWHERE',
      keyPath: 'executor.image_dir',
    });

    const unknown = await failure(loadExecutorSettings(configFile(base), 'gpus', context));
    expect(unknown).toMatchObject({ code: 'MR_CONFIG_UNKNOWN_INSTANCE', hint: 'did you mean "gpu"?' });

    const syntax = await failure(loadExecutorSettings(configFile(`${base}\n[executor\n`), 'gpu', context));
    expect(syntax.code).toBe('MR_CONFIG_SYNTAX');

    const missing = await failure(loadExecutorSettings('/nonexistent/config.toml', 'gpu', context));
    expect(missing.code).toBe('MR_CONFIG_NOT_FOUND');
  });

  it('reads the original example config unchanged', async () => {
    const original = readFileSync(
      join(import.meta.dirname, '..', 'test', 'fixtures', 'original-example-config.toml'),
      'utf8',
    );
    const settings = await loadExecutorSettings(configFile(original), 'test-runner', context);
    expect(settings).toMatchObject({
      builds_dir: '/home/me/builds',
      cache_dir: '/home/me/cache/',
      image_dir: '/home/me/images',
      pull_policy: 'if-not-present',
      description: 'Slurm job $SLURM_JOB_ID',
    });
  });
});
