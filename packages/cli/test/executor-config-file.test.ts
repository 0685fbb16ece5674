// The executor steps of the generated gitlab-runner config read the config file `configure` used: the
// `[runners.custom]` commands are taken from the generated file exactly as written and run as gitlab-runner
// runs them, with nothing at the default config path.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '@mr/gitlab-simulator';
import {
  type CustomExecutorCommands,
  driveJob,
  installStandInApptainer,
  makeTempDir,
  removeTempDirs,
  writeDevBin,
} from '@mr/test-support';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

function run(file: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('executor steps and the config file', { timeout: 180_000 }, () => {
  it('run the generated [runners.custom] commands against the config file configure used, not the default path', async () => {
    const sim = await startSimulator();
    try {
      const dir = makeTempDir();
      // An empty home and XDG config directory: no config file at the default path.
      const home = join(dir, 'home');
      const xdg = join(dir, 'xdg-config');
      for (const d of [home, xdg, join(dir, 'bin'), join(dir, 'site')]) mkdirSync(d, { recursive: true });
      const bin = writeDevBin(join(dir, 'bin'), 'gitlab-meta-runner');
      const apptainer = installStandInApptainer(dir);
      const configFile = join(dir, 'site', 'meta-runner.toml');
      writeFileSync(
        configFile,
        `name = "hpc"
project = ${JSON.stringify(sim.project.path)}
hostname = ${JSON.stringify(sim.url)}
management_token = "$MR_TEST_TOKEN"

[runners.gpu]
tags = ["gpu"]

[poll]
interval = 30

[executor]
image_dir = "${dir}/images"
apptainer_executable = "${apptainer.path}"

[runner]
builds_dir = "${dir}/builds/$NAME"
cache_dir = "${dir}/cache"
executor = "custom"
`,
      );
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        XDG_CONFIG_HOME: xdg,
        MR_TEST_TOKEN: sim.token,
      };
      const dataDir = join(dir, 'data');
      const configured = await run(
        bin,
        ['--config-file', configFile, '--data-dir', dataDir, 'configure'],
        env,
      );
      expect(configured.code, configured.stderr).toBe(0);

      const generated = parse(readFileSync(join(dataDir, 'hpc.gitlab-config.toml'), 'utf8')) as unknown as {
        runners: { name: string; custom: CustomExecutorCommands }[];
      };
      const custom = generated.runners[0]!.custom;
      for (const step of ['config', 'prepare', 'run', 'cleanup'] as const) {
        expect(custom[`${step}_exec`]).toBe(bin);
        expect(custom[`${step}_args`]).toEqual(['--config-file', configFile, 'executor', 'gpu', step]);
      }
      expect(existsSync(join(xdg, 'gitlab-meta-runner.toml'))).toBe(false);
      expect(existsSync(join(home, '.config', 'gitlab-meta-runner.toml'))).toBe(false);

      const result = await driveJob(
        custom,
        {
          id: 7,
          image: 'alpine:3.20',
          stages: ['get_sources', 'build_script'],
          scripts: { build_script: 'echo "step ran with $CI_JOB_ID"' },
        },
        { tmpRoot: dir, env: { HOME: home, XDG_CONFIG_HOME: xdg }, callTimeoutMs: 120_000 },
      );
      expect(result.outcome, result.log).toBe('success');
      expect(result.config?.builds_dir).toBe(join(dir, 'builds', 'gpu', '7'));
      expect(result.log).toContain('step ran with 7');
      expect(result.calls.map((c) => c.step)).toEqual(['config', 'prepare', 'run', 'run', 'cleanup']);
    } finally {
      await sim.close();
    }
  });
});
