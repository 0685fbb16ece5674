import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { parseConfig, writeTokens } from '@mr/runner-config';
import { afterAll, describe, expect, it } from 'vitest';
import { openLauncher, planInstances } from './from-config.js';

afterAll(removeTempDirs);

const configText = (launch: string) => `
name = "meta"
project = "group/project"
hostname = "http://127.0.0.1:9"
management_token = "$MGMT_TOKEN"

[runners.small]
tags = ["cpu"]
config_variables = { PARTITION = "short" }

[runners.big]
tags = ["cpu", "bigmem"]
launch_priority = 3
run_untagged = true
max_in_flight = 2

[poll]
interval = 30

[runner]
builds_dir = "/tmp/builds"
cache_dir = "/tmp/cache"

[launch]
${launch}
`;

async function configured(launch: string, env: Record<string, string> = {}) {
  const dataDir = makeTempDir();
  const fullEnv = { HOME: '/home/u', MGMT_TOKEN: 'glpat-management-secret', ...env };
  const config = parseConfig(configText(launch), { file: 'meta.toml', env: fullEnv });
  await writeTokens(join(dataDir, 'meta.tokens'), { small: { id: 1, token: 'glrt-small-token' } });
  writeFileSync(join(dataDir, 'meta.gitlab-config.toml'), '');
  return { dataDir, config, env: fullEnv };
}

describe('launch settings from the config', () => {
  it('maps instances to planning settings', async () => {
    const { config } = await configured('executable = "sbatch"\ngroup_size = 4');
    expect(planInstances(config)).toEqual([
      {
        name: 'small',
        tags: ['cpu'],
        runUntagged: false,
        launchPriority: undefined,
        maxInFlight: undefined,
        groupSize: 4,
      },
      {
        name: 'big',
        tags: ['cpu', 'bigmem'],
        runUntagged: true,
        launchPriority: 3,
        maxInFlight: 2,
        groupSize: 4,
      },
    ]);
  });

  it('expands NAME, THIS, CONFIG, NUM_JOBS, config_variables and the environment for every launch', async () => {
    const { dataDir, config, env } = await configured(
      [
        'executable = "$HOME/bin/sbatch"',
        'args = ["--partition=$PARTITION", "--account=${ACCOUNT:-none}"]',
        'workdir = "~/launch/$NAME"',
        'stdin = "$THIS run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS $$HOME"',
      ].join('\n'),
      { ACCOUNT: 'proj42' },
    );
    const { launcher } = await openLauncher({
      config,
      dataDir,
      thisPath: '/opt/mr/bin/gitlab-meta-runner',
      env,
    });
    try {
      const settings = launcher.options.launchSettings('small', 3);
      expect(settings).toEqual({
        executable: '/home/u/bin/sbatch',
        args: ['--partition=short', '--account=proj42'],
        workdir: '/home/u/launch/small',
        stdin: `/opt/mr/bin/gitlab-meta-runner run-single --config ${join(dataDir, 'meta.gitlab-config.toml')} --runner small --max-builds 3 $HOME`,
        statusCommand: undefined,
        batchSystem: 'slurm',
      });
    } finally {
      await launcher.close();
    }
  });

  it('leaves out instances without a registered runner, with a warning', async () => {
    const { dataDir, config, env } = await configured('executable = "sbatch"');
    const warnings: string[] = [];
    const logger = {
      warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${f?.instance}`),
      error() {},
      info() {},
      verbose() {},
      debug() {},
      enabled: () => true,
      child() {
        return this;
      },
    };
    const { launcher } = await openLauncher({ config, dataDir, thisPath: '/x', env, logger });
    try {
      expect(launcher.options.settings.instances.map((i) => i.name)).toEqual(['small']);
      expect(warnings).toEqual([expect.stringMatching(/not registered.* big$/)]);
      expect(launcher.options.secrets).toEqual(['glpat-management-secret', 'glrt-small-token']);
    } finally {
      await launcher.close();
    }
  });

  it('asks for configure first when there are no tokens or no generated config', async () => {
    const dataDir = makeTempDir();
    mkdirSync(dataDir, { recursive: true });
    const config = parseConfig(configText('executable = "sbatch"'), {
      file: 'm.toml',
      env: { MGMT_TOKEN: 'x' },
    });
    await expect(openLauncher({ config, dataDir, thisPath: '/x', env: {} })).rejects.toMatchObject({
      code: 'MR_LAUNCH_NOT_CONFIGURED',
      hint: expect.stringContaining('gitlab-meta-runner configure'),
    });
  });

  it('refuses a config without [launch]', async () => {
    const text = configText('').replace('[launch]', '');
    const config = parseConfig(text, { file: 'm.toml', env: { MGMT_TOKEN: 'x' } });
    await expect(
      openLauncher({ config, dataDir: makeTempDir(), thisPath: '/x', env: {} }),
    ).rejects.toMatchObject({
      code: 'MR_LAUNCH_NO_LAUNCH_SECTION',
    });
  });
});
