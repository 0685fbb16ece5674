// What the CLI's tests of `run` and its neighbours share: the fixtures and processes a test makes, cleaned
// up after each test, and `gitlab-meta-runner run` started in the background with its stderr collected.
import { removeTempDirs } from '@mr/test-support';
import { afterAll, afterEach } from 'vitest';
import { type FixtureOptions, type LaunchFixture, launchFixture } from './launch-fixture.js';

/** A process a test started. */
export interface Killable {
  kill(signal?: NodeJS.Signals): boolean;
}

/** `gitlab-meta-runner run` running in the background. */
export interface RunningRun {
  child: ReturnType<LaunchFixture['cli']>;
  /** Its stderr so far. */
  stderr(): string;
  /** The lines of its stderr so far that start with `prefix`. */
  lines(prefix: string): string[];
  /** The `cycle ...` lines so far. */
  cycles(): number;
}

export interface RunHarnessOptions {
  /** Runs after each test for each of its fixtures, before the fixture is closed (more to stop or cancel). */
  beforeClose?: ((f: LaunchFixture) => void) | undefined;
}

/**
 * Registers the hooks that clean up after each test of the calling file (SIGKILL to every process it
 * started, then its other clean-ups in order, then every fixture closed) and after the file (its temporary
 * directories), and returns the functions that make what they clean up.
 */
export function runHarness(options: RunHarnessOptions = {}) {
  const fixtures: LaunchFixture[] = [];
  const processes: Killable[] = [];
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    // Every step runs even when an earlier one throws; the first error fails the test after all of them.
    const errors: unknown[] = [];
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const p of processes.splice(0)) await attempt(() => p.kill('SIGKILL'));
    for (const cleanup of cleanups.splice(0)) await attempt(cleanup);
    for (const f of fixtures.splice(0)) {
      await attempt(() => options.beforeClose?.(f));
      await attempt(() => f.close());
    }
    if (errors.length > 0) throw errors[0];
  });
  afterAll(removeTempDirs);

  /** Closes a fixture after the test (one made by another helper, such as `doctorFixture`). */
  const closeAfter = <T extends LaunchFixture>(f: T): T => {
    fixtures.push(f);
    return f;
  };
  /** Kills a process with SIGKILL after the test. */
  const killAfter = <T extends Killable>(child: T): T => {
    processes.push(child);
    return child;
  };
  return {
    closeAfter,
    killAfter,
    /** Runs `cleanup` after the test, before the fixtures are closed (a proxy, processes known by pid). */
    cleanup: (cleanup: () => void | Promise<void>): void => {
      cleanups.push(cleanup);
    },
    /** A launch fixture, closed after the test. */
    fixture: async (fixtureOptions: FixtureOptions): Promise<LaunchFixture> =>
      closeAfter(await launchFixture(fixtureOptions)),
    /** `gitlab-meta-runner run <args>` in the background (killed after the test), its stderr collected. */
    startRun(f: LaunchFixture, args: string[] = [], timeout = 170_000): RunningRun {
      const child = killAfter(f.cli(['run', ...args], { timeout }));
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const lines = (prefix: string) => stderr.split('\n').filter((l) => l.startsWith(prefix));
      return { child, stderr: () => stderr, lines, cycles: () => lines('cycle ').length };
    },
  };
}
