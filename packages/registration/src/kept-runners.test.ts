import { join } from 'node:path';
import { GitLabClient } from '@mr/gitlab-api';
import { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';
import { type Config, parseConfig, readTokens, resourceRunnerName, resourceTags } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configure } from './configure.js';
import { ResourceRunnerRegistry } from './resource-runners.js';

const open: { sim: GitLabSimulator; client: GitLabClient }[] = [];
afterEach(async () => {
  for (const { sim, client } of open.splice(0)) {
    await client.close();
    await sim.close();
  }
});
afterAll(removeTempDirs);

async function setup() {
  const sim = await startSimulator({
    groups: [{ path: 'lab' }],
    projects: [
      { id: 1, path: 'lab/app' },
      { id: 2, path: 'lab/lib' },
      { id: 3, path: 'lab/tool' },
    ],
  });
  const client = new GitLabClient({ baseUrl: sim.url, token: sim.token, retry: { baseDelayMs: 1 } });
  open.push({ sim, client });
  const dataDir = join(makeTempDir(), 'data');
  const context = { thisPath: '/usr/bin/gitlab-meta-runner', env: {}, home: '/home/u' };
  const parse = (scope: string): Config =>
    parseConfig(
      `name = "meta"\n${scope}\nhostname = "${sim.url}"\nmanagement_token = "x"\n\n[runners.cpu]\ntags = ["cpu"]\n[runners.cpu.resources]\ncpus = { default = "1", max = 8 }\n\n[poll]\ninterval = 30\n[runner]\nbuilds_dir = "/b/$NAME"\ncache_dir = "/c"\n`,
      { file: 'config.toml', env: {} },
    );
  const run = (config: Config) => configure({ config, dataDir, context, client });
  /** Registers the resource runner of cpus=4 the way `run` does. */
  const registerResourceRunner = async (config: Config) => {
    const resources = { cpus: '4' };
    const name = resourceRunnerName('cpu', resources);
    const registry = new ResourceRunnerRegistry({ client, config, dataDir, context });
    const synced = await registry.sync({
      needed: [{ name, instance: 'cpu', resources, tags: ['cpu', ...resourceTags(resources)] }],
      inUse: new Set([name]),
      refused: [],
      signal: new AbortController().signal,
    });
    expect(synced.ready.has(name)).toBe(true);
    return { name, id: (await readTokens(join(dataDir, 'meta.tokens')))[name]!.id };
  };
  return { sim, dataDir, parse, run, registerResourceRunner };
}

describe('resource runners and the scope of the config', () => {
  it('are registered where the instances’ runners are, and follow the projects list', async () => {
    const t = await setup();
    const first = t.parse('projects = ["lab/app", "lab/lib"]');
    expect((await t.run(first)).failed).toEqual([]);
    const resource = await t.registerResourceRunner(first);
    expect(t.sim.runner(resource.id)).toMatchObject({ projectId: 1, enabledProjectIds: [2], locked: false });

    // A project added and one dropped: the resource runner follows, like the instance's runner.
    expect((await t.run(t.parse('projects = ["lab/app", "lab/tool"]'))).failed).toEqual([]);
    expect(t.sim.runner(resource.id)).toMatchObject({ projectId: 1, enabledProjectIds: [3] });

    // Its owner project dropped: it is deleted and forgotten; `run` registers it again when needed.
    const moved = await t.run(t.parse('projects = ["lab/tool"]'));
    expect(moved.failed).toEqual([]);
    expect(t.sim.runner(resource.id)).toBeUndefined();
    expect(Object.keys(await readTokens(join(t.dataDir, 'meta.tokens')))).toEqual(['cpu']);
    expect(moved.resourceRunners).toEqual([]);
  });

  it('are deleted and forgotten when the config moves from a project to a group', async () => {
    const t = await setup();
    const project = t.parse('project = "lab/app"');
    expect((await t.run(project)).failed).toEqual([]);
    const resource = await t.registerResourceRunner(project);
    expect(t.sim.runner(resource.id)).toMatchObject({ runnerType: 'project_type' });
    const group = t.parse('group = "lab"');
    expect((await t.run(group)).failed).toEqual([]);
    expect(t.sim.runner(resource.id)).toBeUndefined();
    // Registered again as a group runner when a job asks for it.
    const again = await t.registerResourceRunner(group);
    expect(t.sim.runner(again.id)).toMatchObject({ runnerType: 'group_type' });
  });
});
