// A job through `mr-apptainer-executor` whose image stages the stand-in runs with bubblewrap in a separate
// root filesystem (a busybox image), so a path the executor does not bind is missing, as under apptainer.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildBusyboxRootfs,
  bwrapAvailable,
  customExecutor,
  driveJob,
  installStandInApptainer,
  makeTempDir,
  removeTempDirs,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExecutorBin } from '../test/executor-bin.js';

afterAll(removeTempDirs);

const q = (s: string) => JSON.stringify(s);
const haveBwrap = bwrapAvailable();
if (!haveBwrap && process.env.CI)
  throw new Error(
    'bwrap is not installed: CI must run the isolated image test (.ci/run installs bubblewrap)',
  );
if (!haveBwrap) console.warn('isolated-image.test.ts skipped: bwrap (bubblewrap) is not installed');

describe.skipIf(!haveBwrap)('mr-apptainer-executor with an isolated image (bubblewrap)', () => {
  it('sees its build dir, a writable HOME and the image, not unbound host paths', async () => {
    const dir = makeTempDir();
    const rootfs = buildBusyboxRootfs(join(dir, 'rootfs'));
    const apptainer = installStandInApptainer(dir, { isolatedRootfs: rootfs });
    const bin = await writeExecutorBin(dir);
    // Outside every bind: the test's own directory is not mounted (only builds/ and the job's dirs are).
    const secret = join(dir, 'host-only.txt');
    writeFileSync(secret, 'host\n');
    const config = join(dir, 'executor.toml');
    writeFileSync(
      config,
      [
        `builds_dir = ${q(join(dir, 'builds'))}`,
        `cache_dir = ${q(join(dir, 'cache'))}`,
        `image_dir = ${q(join(dir, 'images'))}`,
        `apptainer_executable = ${q(apptainer.path)}`,
        // --contain: the host's /tmp and working directory are not mounted (the test dir is under /tmp).
        'exec_args = ["--contain"]',
      ].join('\n'),
    );
    const result = await driveJob(
      customExecutor(bin, ['--config', config]),
      {
        id: 301,
        image: 'alpine:3.20',
        stages: ['prepare_script', 'get_sources', 'build_script'],
        scripts: {
          build_script: [
            'echo "pwd=$PWD"',
            'test -d "$CI_PROJECT_DIR" && echo "project-dir=yes"',
            'echo written > "$HOME/probe" && echo "home-write=$(cat "$HOME/probe")"',
            `if [ -e ${q(secret)} ]; then echo "secret=visible"; else echo "secret=missing"; fi`,
            'test -x /bin/busybox && echo "busybox=yes"',
            'echo "ls=$(readlink -f /bin/ls)"',
          ].join('\n'),
        },
      },
      { tmpRoot: dir },
    );
    expect(result.outcome, result.log).toBe('success');
    expect(result.log).toContain(`pwd=${result.projectDir}`);
    expect(result.log).toContain('project-dir=yes');
    expect(result.log).toContain('home-write=written');
    expect(result.log).toContain('secret=missing');
    expect(result.log).toContain('busybox=yes');
    // The image's /bin is the busybox rootfs, not the host's (whose ls is coreutils).
    expect(result.log).toContain('ls=/bin/busybox');
    // The exec really went through the stand-in with the executor's binds.
    const exec = apptainer.execs().at(-1);
    expect(exec?.flags).toContain('--contain');
    expect(exec?.binds?.length).toBeGreaterThan(0);
  }, 120_000);
});
