import { describe, expect, it } from 'vitest';
import { rejection, simulatorClients, startSimulator } from '../test/helpers.js';
import { GitLabClient } from './client.js';
import { isNotFound } from './errors.js';

const t = simulatorClients();

describe('runners', () => {
  it('creates, verifies, updates, rotates and deletes a runner', async () => {
    const gitlab = t.client();
    const created = await gitlab.createRunner({
      projectId: 1,
      description: 'meta-a',
      tagList: ['a', 'b'],
      runUntagged: false,
    });
    expect(created.token).toMatch(/^glrt-/);
    expect(created.token_expires_at).toBeNull();
    expect(t.sim.runner(created.id)).toMatchObject({
      description: 'meta-a',
      tags: ['a', 'b'],
      runUntagged: false,
      locked: true,
      paused: false,
    });
    expect(await gitlab.verifyRunner(created.token)).toEqual({ id: created.id, token_expires_at: null });

    const updated = await gitlab.updateRunner(created.id, {
      description: 'meta-b',
      tagList: ['c'],
      runUntagged: true,
    });
    expect(updated).toMatchObject({
      id: created.id,
      description: 'meta-b',
      tag_list: ['c'],
      run_untagged: true,
    });

    const reset = await gitlab.resetRunnerToken(created.id);
    expect(reset.token).not.toBe(created.token);
    expect(await gitlab.verifyRunner(created.token)).toBeNull();
    expect(await gitlab.verifyRunner(reset.token)).toMatchObject({ id: created.id });

    await gitlab.deleteRunner(created.id);
    expect(t.sim.runner(created.id)).toBeUndefined();
    const again = await rejection(gitlab.deleteRunner(created.id));
    expect(isNotFound(again)).toBe(true);
    expect(isNotFound(await rejection(gitlab.updateRunner(created.id, { description: 'x' })))).toBe(true);
  });

  it('passes GitLab validation messages on', async () => {
    const error = await rejection(
      t.client().createRunner({ projectId: 1, description: 'r', tagList: [], runUntagged: false }),
    );
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toMatch(/tags_list.*can not be empty/);
  });

  it('reports the token expiry GitLab sets', async () => {
    const own = await startSimulator({ runnerTokenExpiresIn: 3600 });
    try {
      const gitlab = new GitLabClient({ baseUrl: own.url, token: own.token });
      const created = await gitlab.createRunner({
        projectId: 1,
        description: 'r',
        tagList: ['x'],
        runUntagged: false,
      });
      await gitlab.close();
      expect(Date.parse(created.token_expires_at!)).toBeGreaterThan(Date.now());
    } finally {
      await own.close();
    }
  });
});
