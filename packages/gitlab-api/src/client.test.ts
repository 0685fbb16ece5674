import { describe, expect, it } from 'vitest';
import {
  everythingIn,
  expectNoSecrets,
  rejection,
  simulatorClients,
  startSimulator,
} from '../test/helpers.js';
import { GitLabClient } from './client.js';
import {
  GitLabAbortError,
  GitLabHttpError,
  GitLabNetworkError,
  GitLabResponseError,
  GitLabTimeoutError,
} from './errors.js';

const t = simulatorClients();

describe('no error ever contains a token', () => {
  const runnerToken = 'glrt-runnerSecretValue123';
  const plain = 'not-prefixed-secret-value';

  it('redacts the access token from an HTTP error whose body echoes it', async () => {
    t.sim.inject({
      endpoint: 'GET /projects/:id',
      status: 400,
      body: { message: `bad token ${t.sim.token}` },
    });
    const error = await rejection(t.client().getProject(1));
    expect(error).toBeInstanceOf(GitLabHttpError);
    expect(error.message).toContain('[redacted]');
    expectNoSecrets(error, [t.sim.token]);
  });

  it('redacts a runner token sent in a request body from the error', async () => {
    t.sim.inject({
      endpoint: 'POST /runners/verify',
      status: 500,
      body: { error: `cannot verify ${runnerToken}` },
    });
    const error = await rejection(t.client().verifyRunner(runnerToken));
    expect(error).toMatchObject({ status: 500 });
    expectNoSecrets(error, [runnerToken, t.sim.token]);
  });

  it('redacts tokens GitLab handed out earlier, whatever their shape', async () => {
    const own = await startSimulator({ token: plain });
    try {
      const gitlab = new GitLabClient({ baseUrl: own.url, token: plain, retry: { maxRetries: 0 } });
      const created = await gitlab.createRunner({
        projectId: 1,
        description: 'r',
        tagList: ['x'],
        runUntagged: false,
      });
      own.inject({
        endpoint: 'PUT /runners/:id',
        status: 422,
        body: { message: `${created.token} and ${plain}` },
      });
      const error = await rejection(gitlab.updateRunner(created.id, { description: 'y' }));
      await gitlab.close();
      expectNoSecrets(error, [created.token, plain]);
      expect(everythingIn(error)).toContain('[redacted] and [redacted]');
    } finally {
      await own.close();
    }
  });

  it('redacts tokens from schema errors about answers that carry tokens', async () => {
    t.sim.inject({ endpoint: 'POST /user/runners', status: 201, body: { id: 'x', token: runnerToken } });
    const error = await rejection(
      t.client().createRunner({ projectId: 1, description: 'r', tagList: ['x'], runUntagged: false }),
    );
    expect(error).toBeInstanceOf(GitLabResponseError);
    expectNoSecrets(error, [runnerToken, t.sim.token]);
  });

  it('keeps tokens out of network, timeout and abort errors and their causes', async () => {
    t.sim.inject({ endpoint: 'POST /runners/verify', drop: true, times: Number.POSITIVE_INFINITY });
    const network = await rejection(
      t.client({ retry: { maxRetries: 1, baseDelayMs: 1 } }).verifyRunner(runnerToken),
    );
    expect(network).toBeInstanceOf(GitLabNetworkError);
    expect(network.cause).toBeInstanceOf(Error);
    expectNoSecrets(network, [runnerToken, t.sim.token]);
    t.sim.clearFaults();

    t.sim.inject({ endpoint: 'POST /runners/verify', hang: true });
    const timeout = await rejection(t.client({ timeoutMs: 100 }).verifyRunner(runnerToken));
    expect(timeout).toBeInstanceOf(GitLabTimeoutError);
    expectNoSecrets(timeout, [runnerToken, t.sim.token]);

    t.sim.inject({ endpoint: 'POST /runners/verify', hang: true });
    const abort = await rejection(t.client().verifyRunner(runnerToken, { signal: AbortSignal.timeout(100) }));
    expect(abort).toBeInstanceOf(GitLabAbortError);
    expectNoSecrets(abort, [runnerToken, t.sim.token]);
  });

  it('does not expose the token as a property of the client', () => {
    expect(everythingIn(Object.assign(new Error('x'), { client: t.client() }))).not.toContain(t.sim.token);
    expect(JSON.stringify(t.client())).not.toContain(t.sim.token);
  });
});
