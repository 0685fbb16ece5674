import { readFileSync } from 'node:fs';
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
  /** One cycle of `run` whose jobs ask for cpus=4, with the resource runner tokens GitLab refuses. */
  const sync = (config: Config, refusedTokens?: ReadonlyMap<string, string>) => {
    const resources = { cpus: '4' };
    const name = resourceRunnerName('cpu', resources);
    const registry = new ResourceRunnerRegistry({ client, config, dataDir, context });
    return registry.sync({
      needed: [{ name, instance: 'cpu', resources, tags: ['cpu', ...resourceTags(resources)] }],
      inUse: new Set([name]),
      refused: [],
      refusedTokens,
      signal: new AbortController().signal,
    });
  };
  const tokenOf = async (name: string) => (await readTokens(join(dataDir, 'meta.tokens')))[name];
  /** Registers the resource runner of cpus=4 the way `run` does. */
  const registerResourceRunner = async (config: Config) => {
    const name = resourceRunnerName('cpu', { cpus: '4' });
    expect((await sync(config)).ready.has(name)).toBe(true);
    return { name, id: (await tokenOf(name))!.id };
  };
  return { sim, dataDir, parse, run, sync, tokenOf, registerResourceRunner };
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

describe('a resource runner whose token GitLab refuses', () => {
  it('is deleted and registered again while it has the refused token; one GitLab fails to delete waits', async () => {
    const t = await setup();
    const config = t.parse('project = "lab/app"');
    expect((await t.run(config)).failed).toEqual([]);
    const first = await t.registerResourceRunner(config);
    const token = (await t.tokenOf(first.name))!.token;

    // Refused with a token it no longer has (renewed meanwhile): nothing is deleted.
    const renewed = await t.sync(config, new Map([[first.name, 'glrt-an-older-token']]));
    expect(renewed.ready.has(first.name)).toBe(true);
    expect(t.sim.runner(first.id)).toBeDefined();

    // GitLab fails to delete it: kept, not ready, its jobs wait and say why.
    const failing = t.sim.inject({ endpoint: 'DELETE /runners/:id', status: 400, times: Infinity });
    const stuck = await t.sync(config, new Map([[first.name, token]]));
    failing.remove();
    expect(stuck.ready.has(first.name)).toBe(false);
    expect(stuck.waiting.get(first.name)).toMatch(/GitLab refuses its runner token/);
    expect((await t.tokenOf(first.name))?.id).toBe(first.id);

    // Deleted in GitLab (404): forgotten and registered again, with a new token in the generated config.
    expect(t.sim.removeRunner(first.id)).toBe(true);
    const again = await t.sync(config, new Map([[first.name, token]]));
    expect(again.ready.has(first.name)).toBe(true);
    const renewedToken = (await t.tokenOf(first.name))!;
    expect(renewedToken.id).not.toBe(first.id);
    expect(again.secrets).toEqual([renewedToken.token]);
    expect(t.sim.runner(renewedToken.id)?.tags).toEqual(['cpu', 'cpus=4']);
    const generated = readFileSync(join(t.dataDir, 'meta.gitlab-config.toml'), 'utf8');
    expect(generated).toContain(renewedToken.token);
    expect(generated).not.toContain(token);
  });
});
