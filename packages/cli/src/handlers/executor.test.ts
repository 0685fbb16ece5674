// `gitlab-meta-runner executor <instance> <step>`, driven as gitlab-runner drives it, with a stand-in
// apptainer; the settings come from the instance's [executor] section.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  binSource,
  customExecutor,
  driveJob,
  installStandInApptainer,
  makeTempDir,
  removeTempDirs,
  runCli,
  sourceNodeArgs,
  writeDevBin,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

function setup(executor = '') {
  const dir = makeTempDir();
  const apptainer = installStandInApptainer(dir);
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `name = "hpc"
project = "group/project"
hostname = "gitlab.example.com"
management_token = "$GITLAB_TOKEN"

[runners.gpu]
tags = ["gpu"]
[runners.gpu.config_variables]
SITE = "${dir}"

[poll]
interval = 30

[executor]
image_dir = "$SITE/images"
apptainer_executable = "${apptainer.path}"
description = "$NAME: Slurm job $SLURM_JOB_ID"
${executor}

[runner]
builds_dir = "$SITE/builds/$NAME"
cache_dir = "$SITE/cache"
`,
  );
  return { dir, apptainer, config };
}

describe('gitlab-meta-runner executor', () => {
  it("runs a job with the instance's [executor] settings", async () => {
    const t = setup();
    const bin = writeDevBin(t.dir, 'gitlab-meta-runner');
    const result = await driveJob(
      customExecutor(bin, ['--config-file', t.config, 'executor', 'gpu']),
      {
        id: 31,
        image: 'ghcr.io/org/tool:2',
        stages: ['get_sources', 'build_script'],
        scripts: { build_script: 'echo "in ${APPTAINER_CONTAINER:-host} as job $CI_JOB_ID"; exit 7' },
      },
      { tmpRoot: t.dir, env: { SLURM_JOB_ID: '555' } },
    );
    expect(result.config).toEqual({
      builds_dir: join(t.dir, 'builds', 'gpu', '31'),
      cache_dir: join(t.dir, 'cache'),
      builds_dir_is_shared: false,
      hostname: hostname(),
      driver: { name: 'gpu: Slurm job 555', version: expect.any(String) },
    });
    expect(result.outcome, result.log).toBe('failed');
    expect(result.jobExitCode).toBe(7);
    const image = t.apptainer.pulls()[0]!.dest!.replace(/\/\.tmp-(.*\.sif)\..*$/, '/$1');
    expect(result.log).toContain(`in ${image} as job 31`);
    expect(result.calls.map((c) => c.stage ?? c.step)).toEqual([
      'config',
      'prepare',
      'get_sources',
      'build_script',
      'cleanup',
    ]);
    expect(existsSync(join(t.dir, 'builds', 'gpu', '31'))).toBe(false);
  });

  it('takes home, writable_tmpfs and image_layer_cache from [executor], and refuses HOME in pass_env', async () => {
    const t = setup('home = "none"\nwritable_tmpfs = "$TMPFS"\nimage_layer_cache = true');
    const bin = writeDevBin(t.dir, 'gitlab-meta-runner');
    const result = await driveJob(
      customExecutor(bin, ['--config-file', t.config, 'executor', 'gpu']),
      {
        id: 33,
        image: 'alpine:3.20',
        stages: ['build_script'],
        scripts: { build_script: 'test -d "$HOME" || echo "no home here"' },
      },
      { tmpRoot: t.dir, env: { TMPFS: 'false', XDG_CACHE_HOME: join(t.dir, 'xdg') } },
    );
    expect(result.outcome, result.log).toBe('success');
    expect(result.log).toContain('no home here');
    const [exec] = t.apptainer.execs();
    expect(exec!.flags).toContain('--no-home');
    expect(exec!.flags).not.toContain('--writable-tmpfs');
    expect(t.apptainer.pulls()[0]).toMatchObject({ disableCache: false });

    const refused = setup('pass_env = ["HOME"]');
    const env = { CUSTOM_ENV_CI_JOB_ID: '34', SYSTEM_FAILURE_EXIT_CODE: '42', BUILD_FAILURE_EXIT_CODE: '41' };
    const check = await runCli(['--config-file', refused.config, 'executor', 'gpu', 'prepare'], { env });
    expect(check.exitCode).toBe(42);
    expect(check.stderr).toContain('executor.pass_env');
    expect(check.stderr).toContain('"HOME" would pass HOME, which apptainer does not let a variable set');
  });

  it('fails with the system failure code and the full explanation when [executor] is wrong', async () => {
    const t = setup('pull_policy = "sometimes"');
    const env = { CUSTOM_ENV_CI_JOB_ID: '32', SYSTEM_FAILURE_EXIT_CODE: '42', BUILD_FAILURE_EXIT_CODE: '41' };
    const result = await runCli(['--config-file', t.config, 'executor', 'gpu', 'config'], { env });
    expect(result.exitCode).toBe(42);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: config file .*config\.toml is not valid \(1 problem\)$/m);
    expect(result.stderr).toMatch(
      /line \d+: executor\.pull_policy: .*"always", "if-not-present", "never".*"sometimes"/,
    );
    expect(result.stderr).not.toContain('GITLAB_TOKEN');
    const byHand = await runCli(['--config-file', t.config, 'executor', 'gpu', 'config'], {
      env: { CUSTOM_ENV_CI_JOB_ID: '32' },
    });
    expect(byHand.exitCode).toBe(2);
  });

  it('explains its usage through the full command line parser', async () => {
    const help = await runCli(['executor', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('gitlab-meta-runner executor <instance> <step> [args..]');
    expect(help.stdout).toContain('[choices: "config", "prepare", "run", "cleanup"]');
    const wrong = await runCli(['executor', 'gpu', 'launch']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('Invalid values');
  });

  it('reaches the executor without loading yargs or zod', () => {
    const t = setup();
    const trace = join(t.dir, 'imports.txt');
    const hook = join(t.dir, 'trace-imports.mjs');
    const resolveHook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, result.url + '\\n');
  return result;
}`;
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolveHook)}`)});\n`,
    );
    const run = spawnSync(
      process.execPath,
      [
        ...sourceNodeArgs,
        '--import',
        hook,
        binSource('gitlab-meta-runner'),
        '--config-file',
        t.config,
        'executor',
        'gpu',
        'config',
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CUSTOM_ENV_CI_JOB_ID: '33' },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ builds_dir: join(t.dir, 'builds', 'gpu', '33') });
    const urls = readFileSync(trace, 'utf8');
    expect(urls).toContain('executor-settings.ts');
    expect(urls).toContain('apptainer-executor/src/index.ts');
    expect(urls).not.toMatch(/\/(yargs|zod)\//);
    expect(urls).not.toContain('runner-config/src/schema.ts');
  });
});
