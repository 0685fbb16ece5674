import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitLabClient } from '@mr/gitlab-api';
import { type Config, parseConfig, readTokens, writeTokens } from '@mr/runner-config';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type GitLabSimulator, type SimulatorOptions, startSimulator } from '@mr/gitlab-simulator';
import { type ConfigureResult, configure } from './configure.js';
import { formatConfigureSummary } from './configure-summary.js';
import { rotateExpiringTokens } from './rotate.js';

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

async function setup(instances: Record<string, string[]>, options: SimulatorOptions = {}, extra = '') {
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

describe('configure', () => {
  it('keeps the entry of an instance whose update or deletion fails, and reports both with hints', async () => {
    const t = await setup({ cpu: ['cpu'], gpu: ['gpu'] });
    await t.run();
    const before = await readTokens(t.tokensFile);
    t.sim.inject({ endpoint: 'PUT /runners/:id', status: 403 });
    t.sim.inject({ endpoint: 'DELETE /runners/:id', status: 500 });
    const result = await t.run(t.parse({ cpu: ['cpu', 'new'] }));
    expect(result.failed.map((f) => [f.instance, f.action])).toEqual([
      ['cpu', 'update'],
      ['gpu', 'delete'],
    ]);
    expect(await readTokens(t.tokensFile)).toEqual(before);
    const summary = formatConfigureSummary(result);
    expect(summary).toContain('failed: cpu (update): GitLab answered 403 Forbidden to PUT /api/v4/runners/');
    expect(summary).toMatch(/^ {2}hint: .*Maintainer role/m);
  });

  it('runs at most `concurrency` requests at once', async () => {
    const t = await setup(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, [n]])));
    // Every registration waits until two are in flight (the signal), so the limit is reached however slow
    // the machine; a third one at once would be counted. After 20 s they go on regardless, and fail the test.
    let inFlight = 0;
    let most = 0;
    let release = () => {};
    const twoInFlight = new Promise<void>((resolve) => {
      release = resolve;
      setTimeout(resolve, 20_000).unref();
    });
    const createRunner = t.client.createRunner.bind(t.client);
    t.client.createRunner = async (...args) => {
      most = Math.max(most, ++inFlight);
      if (inFlight === 2) release();
      await twoInFlight;
      try {
        return await createRunner(...args);
      } finally {
        inFlight--;
      }
    };
    const result = await t.run(undefined, 2);
    expect(result.created).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(most).toBe(2);
  });

  it('throws and starts no further request once a token cannot be written', async () => {
    const t = await setup({ a: ['a'], b: ['b'], c: ['c'] });
    // While GitLab registers the first runner, the data directory becomes impossible to create.
    t.sim.on('request', (r) => {
      if (r.endpoint === 'POST /user/runners') writeFileSync(t.dataDir, 'not a directory');
    });
    const error = await t.run(undefined, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MR_CONFIGURE_TOKENS_UNWRITABLE',
      cause: { code: 'MR_WRITE_FAILED' },
    });
    expect(t.sim.requestCount('POST /user/runners')).toBe(1);
    // It names the runner whose token is lost, so that it can be deleted in GitLab.
    expect((error as { details: string[] }).details).toEqual([
      `runner ${t.sim.runners()[0]!.id} (instance a) was registered, but its token could not be stored`,
    ]);
  });
});

describe('token rotation', () => {
  it('renews tokens expiring within rotate_tokens_within, not those just registered, and rewrites both files', async () => {
    const t = await setup({ cpu: ['cpu'], gpu: ['gpu'] }, { runnerTokenExpiresIn: 2 * 86_400 });
    const first = await t.run();
    expect(first.created).toEqual(['cpu', 'gpu']);
    expect(first.rotated).toEqual([]);
    const before = await readTokens(t.tokensFile);

    const narrow = await t.run(t.parse({ cpu: ['cpu'], gpu: ['gpu'] }, 'rotate_tokens_within = "1d"'));
    expect(narrow.rotated).toEqual([]);
    expect(await readTokens(t.tokensFile)).toEqual(before);

    const wide = await t.run();
    expect(wide.rotated).toEqual(['cpu', 'gpu']);
    const after = await readTokens(t.tokensFile);
    for (const name of ['cpu', 'gpu']) {
      expect(after[name]!.id).toBe(before[name]!.id);
      expect(after[name]!.token).not.toBe(before[name]!.token);
      expect(after[name]!.token).toBe(t.sim.runner(after[name]!.id)!.token);
      expect(readFileSync(t.generatedFile, 'utf8')).toContain(after[name]!.token);
    }
    expect(formatConfigureSummary(wide)).toContain('token renewed: cpu, gpu\n');
  });

  it('rotateExpiringTokens (for `run`) renews, stores and regenerates, and does nothing when nothing expires', async () => {
    const t = await setup({ cpu: ['cpu'] }, { runnerTokenExpiresIn: 3600 });
    await t.run(t.parse({ cpu: ['cpu'] }, 'rotate_tokens_within = "10s"'));
    const config = t.parse({ cpu: ['cpu'] });
    const before = await readTokens(t.tokensFile);
    const generatedBefore = readFileSync(t.generatedFile, 'utf8');

    const none = await rotateExpiringTokens({
      client: t.client,
      config,
      dataDir: t.dataDir,
      context: t.context,
      withinMs: 60_000,
    });
    expect(none).toEqual({ rotated: [], failed: [] });
    expect(readFileSync(t.generatedFile, 'utf8')).toBe(generatedBefore);

    const done = await rotateExpiringTokens({
      client: t.client,
      config,
      dataDir: t.dataDir,
      context: t.context,
    });
    expect(done).toEqual({ rotated: ['cpu'], failed: [] });
    const after = await readTokens(t.tokensFile);
    expect(after.cpu!.token).not.toBe(before.cpu!.token);
    expect(readFileSync(t.generatedFile, 'utf8')).toContain(after.cpu!.token);
    expect(statSync(t.tokensFile).mode & 0o777).toBe(0o600);
    expect(statSync(t.generatedFile).mode & 0o777).toBe(0o600);
  });

  it('asks GitLab about tokens of unknown expiry and renews the ones it refuses', async () => {
    const t = await setup({ cpu: ['cpu'], gpu: ['gpu'] }, { runnerTokenExpiresIn: 30 * 86_400 });
    const cpu = t.sim.addRunner({ tags: ['cpu'] });
    const gpu = t.sim.addRunner({ tags: ['gpu'] });
    // The original tool's tokens file: id and token only. The gpu token was revoked since.
    await writeTokens(t.tokensFile, {
      cpu: { id: cpu.id, token: cpu.token },
      gpu: { id: gpu.id, token: 'glrt-revoked-long-ago' },
    });
    const result = await t.run();
    expect(result.updated).toEqual(['cpu', 'gpu']);
    expect(result.rotated).toEqual(['gpu']);
    expect(t.sim.requestCount('POST /runners/verify')).toBe(2);
    const tokens = await readTokens(t.tokensFile);
    expect(tokens.cpu).toMatchObject({
      token: cpu.token,
      token_expires_at: cpu.tokenExpiresAt!.toISOString(),
    });
    expect(tokens.gpu!.token).toBe(t.sim.runner(gpu.id)!.token);
  });

  it('reports a failed renewal and keeps the old token', async () => {
    const t = await setup({ cpu: ['cpu'] }, { runnerTokenExpiresIn: 3600 });
    await t.run();
    const before = await readTokens(t.tokensFile);
    t.sim.inject({ endpoint: 'POST /runners/:id/reset_authentication_token', status: 500 });
    const result: ConfigureResult = await t.run();
    expect(result.failed.map((f) => [f.instance, f.action])).toEqual([['cpu', 'rotate']]);
    expect((await readTokens(t.tokensFile)).cpu!.token).toBe(before.cpu!.token);
  });
});
