// `gitlab-meta-runner configure` for a config with `group` or `projects`, through the built bin against the
// simulator: group runners (one per instance) and project runners enabled in several projects, reconciled
// on every run like the runners of one project.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';
import { readTokens } from '@mr/runner-config';
import { makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const simulators: GitLabSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

async function setup() {
  const sim = await startSimulator({
    groups: [{ path: 'lab' }, { path: 'lab/sub' }],
    projects: [
      { id: 1, path: 'lab/app' },
      { id: 2, path: 'lab/lib' },
      { id: 3, path: 'lab/sub/deep' },
    ],
  });
  simulators.push(sim);
  const dir = makeTempDir();
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.toml');
  const write = (scope: string, instances: Record<string, string[]>) =>
    writeFileSync(
      configFile,
      `name = "meta"\n${scope}\nhostname = "${sim.url}"\nmanagement_token = "$GITLAB_TOKEN"\n\n${Object.entries(
        instances,
      )
        .map(([name, tags]) => `[runners.${name}]\ntags = ${JSON.stringify(tags)}\n`)
        .join(
          '\n',
        )}\n[poll]\ninterval = 30\n\n[runner]\nbuilds_dir = "$HOME/builds/$NAME"\ncache_dir = "$HOME/cache"\n`,
    );
  const configure = () =>
    runCli(['configure', '--config-file', configFile, '--data-dir', dataDir], {
      env: { GITLAB_TOKEN: sim.token, HOME: dir },
    });
  const tokens = () => readTokens(join(dataDir, 'meta.tokens'));
  const marker = () => readFileSync(join(dataDir, 'meta.registration-id'), 'utf8').trim();
  return { sim, dataDir, write, configure, tokens, marker };
}

describe('configure with group', () => {
  it('registers one group runner per instance, then updates, deletes a removed instance and an orphan', async () => {
    const t = await setup();
    const lab = t.sim.groups.find((g) => g.path === 'lab')!;
    t.write('group = "lab"', { cpu: ['cpu'], gpu: ['gpu'] });
    const first = await t.configure();
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^runners of group lab$/m);
    expect(first.stdout).toMatch(/^created: cpu, gpu$/m);
    const tokens = await t.tokens();
    const runners = t.sim.runners();
    expect(runners).toHaveLength(2);
    for (const runner of runners) expect(runner).toMatchObject({ runnerType: 'group_type', groupId: lab.id });
    expect(runners.map((r) => r.id).sort()).toEqual([tokens.cpu!.id, tokens.gpu!.id].sort());
    // The tokens file keeps its format: one entry (id, token) per instance.
    expect(Object.keys(tokens)).toEqual(['cpu', 'gpu']);
    expect(t.sim.requestCount('GET /groups/:id/runners')).toBe(1);

    // A group runner of this data directory whose token was never stored: an orphan.
    const orphan = t.sim.addRunner({ groupId: lab.id, tags: ['x'], description: `meta-old [${t.marker()}]` });
    t.write('group = "lab"', { cpu: ['cpu', 'avx'] });
    const second = await t.configure();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/^updated: cpu$/m);
    expect(second.stdout).toMatch(/^deleted: gpu$/m);
    expect(second.stdout).toContain(`deleted orphan runners (registered, token never stored): ${orphan.id}`);
    expect(t.sim.runners().map((r) => [r.id, r.tags])).toEqual([[tokens.cpu!.id, ['cpu', 'avx']]]);
    expect(Object.keys(await t.tokens())).toEqual(['cpu']);
  });

  it('registers the runner again as a group runner when the config moves from a project to its group', async () => {
    const t = await setup();
    t.write('project = "lab/app"', { cpu: ['cpu'] });
    expect((await t.configure()).exitCode).toBe(0);
    const before = (await t.tokens()).cpu!.id;
    expect(t.sim.runner(before)).toMatchObject({ runnerType: 'project_type', projectId: 1 });
    t.write('group = "lab"', { cpu: ['cpu'] });
    const moved = await t.configure();
    expect(moved.exitCode).toBe(0);
    expect(moved.stdout).toMatch(/^registered again for the new scope: cpu$/m);
    const after = (await t.tokens()).cpu!.id;
    expect(t.sim.runner(before)).toBeUndefined();
    expect(t.sim.runner(after)).toMatchObject({ runnerType: 'group_type' });
  });

  it('fails naming the group when the token is not an Owner of it, registering nothing', async () => {
    const t = await setup();
    t.sim.setRole({ groupId: t.sim.groups.find((g) => g.path === 'lab')!.id }, 'maintainer');
    t.write('group = "lab"', { cpu: ['cpu'] });
    const result = await t.configure();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /failed: cpu \(create\): GitLab refuses to register a group runner in group lab \(403\): the token's user is not an Owner of the group/,
    );
    expect(result.stdout).toMatch(/hint: give the token's user the Owner role in lab/);
    expect(t.sim.runners()).toEqual([]);
  });
});

describe('configure with projects', () => {
  it('registers one runner in the first project, enables it in the others, and follows the list', async () => {
    const t = await setup();
    t.write('projects = ["lab/app", "lab/sub/deep", 2]', { cpu: ['cpu'] });
    const first = await t.configure();
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^runners of projects lab\/app, lab\/sub\/deep, lab\/lib$/m);
    expect(first.stdout).toMatch(/^enabled: cpu in lab\/sub\/deep, lab\/lib$/m);
    const id = (await t.tokens()).cpu!.id;
    expect(t.sim.runners()).toHaveLength(1);
    expect(t.sim.runner(id)).toMatchObject({ projectId: 1, enabledProjectIds: [3, 2], locked: false });

    // A project dropped from the list: the runner is disabled there, and stays the same runner.
    t.write('projects = ["lab/app", 2]', { cpu: ['cpu'] });
    const second = await t.configure();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/^disabled: cpu in lab\/sub\/deep$/m);
    expect(t.sim.runner(id)).toMatchObject({ projectId: 1, enabledProjectIds: [2] });

    // Its first project dropped: GitLab cannot move a runner, so it is registered again in the new first one.
    t.write('projects = ["lab/lib"]', { cpu: ['cpu'] });
    const third = await t.configure();
    expect(third.exitCode).toBe(0);
    expect(third.stdout).toMatch(/^registered again for the new scope: cpu$/m);
    const moved = (await t.tokens()).cpu!.id;
    expect(t.sim.runner(id)).toBeUndefined();
    expect(t.sim.runner(moved)).toMatchObject({ projectId: 2, enabledProjectIds: [] });
    expect(t.sim.runners()).toHaveLength(1);
  });

  it('deletes an orphan of several projects, found among the project runners of the listed projects', async () => {
    const t = await setup();
    t.write('projects = ["lab/app", "lab/lib"]', { cpu: ['cpu'] });
    expect((await t.configure()).exitCode).toBe(0);
    // Created in lab/app and enabled in lab/lib by a configure that died before storing its token.
    const orphan = t.sim.addRunner({
      projectId: 1,
      enabledProjectIds: [2],
      locked: false,
      tags: ['x'],
      description: `meta-gone [${t.marker()}]`,
    });
    const result = await t.configure();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`deleted orphan runners (registered, token never stored): ${orphan.id}`);
    expect(t.sim.runner(orphan.id)).toBeUndefined();
    expect(t.sim.runners()).toHaveLength(1);
  });

  it('deletes a removed instance whose runner serves several projects, disabling it in the others first', async () => {
    const t = await setup();
    t.write('projects = ["lab/app", "lab/lib"]', { cpu: ['cpu'], gpu: ['gpu'] });
    expect((await t.configure()).exitCode).toBe(0);
    t.write('projects = ["lab/app", "lab/lib"]', { cpu: ['cpu'] });
    const result = await t.configure();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^deleted: gpu$/m);
    expect(t.sim.runners().map((r) => r.tags)).toEqual([['cpu']]);
  });
});
