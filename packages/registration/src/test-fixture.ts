// Test fixture of this package: a simulator, a client for it, a data directory and `configure` on a config.
import { join } from 'node:path';
import { GitLabClient } from '@mr/gitlab-api';
import { type GitLabSimulator, type SimulatorOptions, startSimulator } from '@mr/gitlab-simulator';
import { type Config, parseConfig } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach } from 'vitest';
import { configure } from './configure.js';

const open: { sim: GitLabSimulator; client: GitLabClient }[] = [];
afterEach(async () => {
  for (const { sim, client } of open.splice(0)) {
    await client.close();
    await sim.close();
  }
});
afterAll(removeTempDirs);

function configText(url: string, instances: Record<string, string[]>, extra = ''): string {
  const runners = Object.entries(instances)
    .map(([name, tags]) => `[runners.${name}]\ntags = ${JSON.stringify(tags)}\n`)
    .join('\n');
  return `name = "meta"\nproject = "group/project"\nhostname = "${url}"\nmanagement_token = "x"\n${extra}\n${runners}\n[poll]\ninterval = 30\n[runner]\nbuilds_dir = "/b/$NAME"\ncache_dir = "/c"\n`;
}

/** A simulator, a client and a data directory for a config with these instances (name → tags). */
export async function setup(instances: Record<string, string[]>, options: SimulatorOptions = {}, extra = '') {
  const sim = await startSimulator(options);
  const client = new GitLabClient({ baseUrl: sim.url, token: sim.token, retry: { baseDelayMs: 1 } });
  open.push({ sim, client });
  const dataDir = join(makeTempDir(), 'data');
  const context = { thisPath: '/usr/bin/gitlab-meta-runner', env: {}, home: '/home/u' };
  const parse = (current: Record<string, string[]>, more = extra): Config =>
    parseConfig(configText(sim.url, current, more), { file: 'config.toml', env: {} });
  const run = (config: Config = parse(instances), concurrency?: number) =>
    configure({ config, dataDir, context, client, concurrency });
  return {
    sim,
    client,
    dataDir,
    context,
    parse,
    run,
    tokensFile: join(dataDir, 'meta.tokens'),
    generatedFile: join(dataDir, 'meta.gitlab-config.toml'),
  };
}
