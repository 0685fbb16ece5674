import { inspect } from 'node:util';
import { type GitLabSimulator, type SimulatorOptions, startSimulator } from '@mr/gitlab-simulator';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { GitLabClient } from '../src/client.js';
import type { GitLabClientOptions } from '../src/transport.js';

export { type GitLabSimulator, startSimulator };

/** Every text an error exposes: message, stack, properties, and the whole `cause` chain. */
export function everythingIn(error: unknown): string {
  const parts = [inspect(error, { depth: 20, showHidden: true })];
  for (let e = error, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    parts.push(e.message, e.stack ?? '', JSON.stringify({ ...e }));
  }
  return parts.join('\n');
}

export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const text = everythingIn(error);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** A logger that keeps what it is told. */
export function memoryLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    debug: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'debug', message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: 'warn', message, fields }),
  };
}

/** Resolves with what `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * One simulator for the tests of a file, and clients for it that are closed (and faults cleared) after
 * each test. Call at the top level of a test file.
 */
export function simulatorClients(options: SimulatorOptions = {}) {
  const clients: GitLabClient[] = [];
  const context = {
    sim: undefined as unknown as GitLabSimulator,
    client(options: Partial<GitLabClientOptions> = {}): GitLabClient {
      const made = new GitLabClient({
        baseUrl: context.sim.url,
        token: context.sim.token,
        retry: { maxRetries: 3, baseDelayMs: 1, maxTotalMs: 10_000 },
        ...options,
      });
      clients.push(made);
      return made;
    },
  };
  beforeAll(async () => {
    context.sim = await startSimulator(options);
  });
  afterEach(async () => {
    context.sim.clearFaults();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await context.sim.close();
  });
  return context;
}
