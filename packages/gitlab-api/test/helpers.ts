import { inspect } from 'node:util';
import { expect } from 'vitest';

export { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';

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
