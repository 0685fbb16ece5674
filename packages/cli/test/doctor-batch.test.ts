import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { doctor, doctorFixture, editConfig } from './doctor-fixture.js';
import type { LaunchFixture } from './launch-fixture.js';

const fixtures: LaunchFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close();
});
afterAll(removeTempDirs);

async function setup(options: Parameters<typeof doctorFixture>[0] = {}) {
  const f = await doctorFixture(options);
  fixtures.push(f);
  return f;
}

describe('gitlab-meta-runner doctor --batch (a local batch system, the stand-in gitlab-runner and apptainer)', () => {
  it('runs a probe job through [launch] and reports what the node has', async () => {
    const f = await setup();
    const result = await doctor(f, ['--batch', 'cpu', '--batch-timeout', '120']);
    expect(result.failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.byId('batch.submit').status).toBe('ok');
    expect(result.byId('node.gitlab-runner').summary).toMatch(
      /gitlab-runner 19\.4\.0 at .*; its run-single takes --config/,
    );
    expect(result.byId('node.container-tool')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/apptainer 1\.3\.6 at /),
    });
    expect(result.byId('node.container-tool').details).toContain(
      'exec --no-eval (variables reach the job unevaluated): yes',
    );
    expect(result.byId('node.image-dir').summary).toContain(join(f.dir, 'images'));
    expect(result.byId('node.builds-dir').summary).toContain(join(f.dir, 'node-builds'));
    expect(result.byId('node.pull-lock').status).toBe('ok');
    expect(result.byId('node.gpu').status).toBe('skip');
  });

  it('reports a node whose gitlab-runner is missing, too old for run-single --config, or whose apptainer is too old', async () => {
    const f = await setup();
    const old = await doctor(f, ['--batch', '--batch-timeout', '120'], {
      MR_STANDIN_RUNNER_VERSION: '17.0.0',
      STANDIN_APPTAINER_VERSION: 'singularity 3.5.3',
    });
    expect(old.byId('node.gitlab-runner')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/17\.0\.0 .*no --config/),
      fix: 'install gitlab-runner 17.1 or later',
    });
    expect(old.byId('node.container-tool')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/singularity 3\.5\.3, which the executor does not support/),
    });
    expect(old.exitCode).toBe(1);
    rmSync(join(f.binDir, 'gitlab-runner'));
    const missing = await doctor(f, ['--batch', '--batch-timeout', '120']);
    expect(missing.byId('node.gitlab-runner')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/not on PATH on this node/),
    });
    expect(missing.exitCode).toBe(1);
  });

  it('checks GPUs when the instance asks for them, and fails on an image_dir it cannot create (below a file)', async () => {
    const f = await setup({ top: '' });
    editConfig(f, 'image_dir = "$HOME/images"', 'image_dir = "$HOME/meta.toml/images"\ngpu_nvidia = true');
    const result = await doctor(f, ['--batch', '--batch-timeout', '120'], {
      PATH: `${f.binDir}:/usr/bin:/bin`,
    });
    expect(result.byId('node.gpu')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/nvidia-smi is not on this node/),
    });
    expect(result.byId('node.image-dir').status).toBe('fail');
    expect(result.exitCode).toBe(1);
  });

  it('fails when the launch command fails, and when the probe job never reports', async () => {
    const f = await setup();
    editConfig(f, 'executable = "bg-submit"', 'executable = "false"');
    const refused = await doctor(f, ['--batch']);
    expect(refused.byId('batch.submit')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/exit code 1/),
    });
    editConfig(f, 'executable = "false"', 'executable = "true"');
    const silent = await doctor(f, ['--batch', '--batch-timeout', '2']);
    expect(silent.byId('batch.report')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/reported nothing within 2 s/),
    });
    expect(silent.exitCode).toBe(1);
  });
});
