import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { readTokens, writeTokens } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import type { ConfigureResult } from './configure-result.js';
import { formatConfigureSummary } from './configure-summary.js';
import { rotateExpiringTokens } from './rotate.js';
import { setup } from './test-fixture.js';

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
    // While GitLab registers the first runner, the tokens file becomes impossible to replace.
    t.sim.on('request', (r) => {
      if (r.endpoint === 'POST /user/runners' && !existsSync(t.tokensFile)) mkdirSync(t.tokensFile);
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
    // Both tokens are asked about, and the renewed one once more: GitLab accepts what is stored.
    expect(t.sim.requestCount('POST /runners/verify')).toBe(3);
    const tokens = await readTokens(t.tokensFile);
    expect(tokens.cpu).toMatchObject({
      token: cpu.token,
      token_expires_at: cpu.tokenExpiresAt!.toISOString(),
    });
    expect(tokens.gpu!.token).toBe(t.sim.runner(gpu.id)!.token);
  });

  it('verifies each renewed token and renews again when GitLab refuses it; gives up after three', async () => {
    const t = await setup({ cpu: ['cpu'] }, { runnerTokenExpiresIn: 3600 });
    await t.run();
    const options = {
      client: t.client,
      config: t.parse({ cpu: ['cpu'] }),
      dataDir: t.dataDir,
      context: t.context,
    };
    // GitLab refuses the first token it issues (as if something reset it again at once).
    t.sim.inject({ endpoint: 'POST /runners/verify', status: 403 });
    const resets = t.sim.requestCount('POST /runners/:id/reset_authentication_token');
    expect(await rotateExpiringTokens(options)).toEqual({ rotated: ['cpu'], failed: [] });
    expect(t.sim.requestCount('POST /runners/:id/reset_authentication_token')).toBe(resets + 2);
    const stored = (await readTokens(t.tokensFile)).cpu!;
    expect(stored.token).toBe(t.sim.runner(stored.id)!.token);

    t.sim.inject({ endpoint: 'POST /runners/verify', status: 403, times: 3 });
    const result = await rotateExpiringTokens(options);
    expect(result.rotated).toEqual([]);
    expect(result.failed).toEqual([
      {
        instance: 'cpu',
        action: 'rotate',
        error: expect.objectContaining({ code: 'MR_CONFIGURE_TOKEN_UNVERIFIED' }),
      },
    ]);
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
