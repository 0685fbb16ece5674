import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkRefusal, linkRefusalUnavailable } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { doctor, doctorFixture, editConfig } from './doctor-fixture.js';
import { runHarness } from './run-harness.js';

const harness = runHarness();

async function setup(options: Parameters<typeof doctorFixture>[0] = {}) {
  return harness.closeAfter(await doctorFixture(options));
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

  it('fails on a builds_dir the node cannot write', async () => {
    const f = await setup();
    const builds = join(f.dir, 'node-builds');
    mkdirSync(builds);
    // Root writes through any mode: an immutable directory refuses it too (chattr +i, as a read-only
    // export would); any other user is refused by the mode.
    const root = process.getuid?.() === 0;
    const attr = (flag: string) => spawnSync('chattr', [flag, builds], { encoding: 'utf8' });
    if (root) expect(attr('+i').status, attr('+i').stderr).toBe(0);
    else chmodSync(builds, 0o555);
    try {
      const result = await doctor(f, ['--batch', '--batch-timeout', '120']);
      expect(result.byId('node.builds-dir')).toMatchObject({
        status: 'fail',
        summary: expect.stringMatching(
          new RegExp(`^${hostname()}: builds_dir ${builds} is not writable on this node: (EPERM|EACCES)`),
        ),
        fix: expect.stringContaining(`create ${builds} with write permission for this user`),
      });
      expect(result.byId('node.image-dir').status).toBe('ok');
      expect(result.failed).toEqual(['node.builds-dir']);
      expect(result.exitCode).toBe(1);
    } finally {
      if (root) attr('-i');
      else chmodSync(builds, 0o755);
    }
  });

  it.skipIf(linkRefusalUnavailable())(
    'takes the pull lock where hard links are refused (an exclusive create instead), fails it where link(2) fails otherwise',
    async () => {
      const f = await setup();
      const images = join(f.dir, 'images');
      const plain = await doctor(f, ['--batch', '--batch-timeout', '120']);
      expect(plain.byId('node.pull-lock').details).toEqual([
        'published with a hard link (link(2)), atomic on local file systems, NFS and Lustre',
      ]);
      // EPERM: what FUSE, SMB and object-store mounts answer to link(2).
      const noLinks = await doctor(f, ['--batch', '--batch-timeout', '120'], linkRefusal(images, 1));
      expect(noLinks.byId('node.pull-lock')).toMatchObject({
        status: 'ok',
        summary: `${hostname()}: the pull lock works in ${images}`,
        details: [
          'this file system refuses hard links (EPERM): published with an exclusive create instead, atomic on local file systems and NFSv3 or later',
        ],
      });
      expect(noLinks.exitCode).toBe(0);
      // EIO: a network file system failing the link.
      const failing = await doctor(f, ['--batch', '--batch-timeout', '120'], linkRefusal(images, 5));
      expect(failing.byId('node.image-dir').status).toBe('ok');
      expect(failing.byId('node.pull-lock')).toMatchObject({
        status: 'fail',
        summary: expect.stringMatching(
          new RegExp(`^${hostname()}: the pull lock does not work in ${images}: EIO`),
        ),
        fix: expect.stringContaining('put image_dir on a file system with working hard links'),
      });
      expect(failing.exitCode).toBe(1);
    },
  );

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
