// `gitlab-meta-runner executor ...` fails before the step's work: every such failure must exit with
// $SYSTEM_FAILURE_EXIT_CODE (gitlab-runner then retries) through the published bin and the source bin.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, packageDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

function preloads() {
  const dir = makeTempDir();
  const write = (name: string, code: string) => {
    writeFileSync(join(dir, name), code);
    return join(dir, name);
  };
  return {
    dir,
    oldNode: write(
      'old-node.cjs',
      "Object.defineProperty(process.versions, 'node', { value: '18.20.4' }); Object.defineProperty(process, 'version', { value: 'v18.20.4' });",
    ),
    // Loading the executor fails as if a file of the installation were damaged.
    crash: write(
      'crash.cjs',
      "const real = process.getBuiltinModule; process.getBuiltinModule = (id) => { if (id === 'node:os') throw new Error('simulated damage'); return real(id); };",
    ),
  };
}

const gitlabRunnerEnv = {
  SYSTEM_FAILURE_EXIT_CODE: '42',
  BUILD_FAILURE_EXIT_CODE: '41',
  CUSTOM_ENV_CI_JOB_ID: '7',
};

describe('gitlab-meta-runner executor before the step', () => {
  it('exits with $SYSTEM_FAILURE_EXIT_CODE through the published bin: old Node, a crash', () => {
    const p = preloads();
    const bin = join(packageDir('cli'), 'bin', 'gitlab-meta-runner.cjs');
    const args = ['--config-file', join(p.dir, 'none.toml'), 'executor', 'gpu', 'prepare'];
    for (const [preload, message] of [
      [p.oldNode, 'needs Node.js 20.19 or newer; this is v18.20.4'],
      [p.crash, 'gitlab-meta-runner executor crashed'],
    ] as const) {
      const result = spawnSync(process.execPath, ['--require', preload, bin, ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...gitlabRunnerEnv },
      });
      expect(result.status, result.stderr).toBe(42);
      expect(result.stderr).toContain(message);
    }
    // Outside gitlab-runner an old Node is an ordinary error.
    const byHand = spawnSync(process.execPath, ['--require', p.oldNode, bin, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(byHand.status).toBe(1);
  });

  it('exits with $SYSTEM_FAILURE_EXIT_CODE through the source bin: old Node, a crash, unreadable settings', async () => {
    const p = preloads();
    const unreadable = join(p.dir, 'config.toml');
    writeFileSync(unreadable, 'name = [broken');
    for (const [args, nodeOptions, message] of [
      [['executor', 'gpu', 'prepare'], `--require ${p.oldNode}`, 'needs Node.js 20.19 or newer'],
      [['executor', 'gpu', 'prepare'], `--require ${p.crash}`, 'gitlab-meta-runner executor crashed'],
      [['--config-file', unreadable, 'executor', 'gpu', 'prepare'], '', unreadable],
      [['--config-file', join(p.dir, 'missing.toml'), 'executor', 'gpu', 'config'], '', 'missing.toml'],
    ] as const) {
      const result = await runCli(args, {
        env: { ...gitlabRunnerEnv, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
      });
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(42);
      expect(result.stderr).toContain(message);
    }
  });
});
