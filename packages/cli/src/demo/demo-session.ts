import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stopJobs } from './local-batch.js';

/** The demo's directory: `--dir` (relative to `cwd`) when given, else a new temporary directory. */
export function demoDirectory(cwd: string, dir: unknown): string {
  return typeof dir === 'string'
    ? resolve(cwd, dir)
    : mkdtempSync(join(tmpdir(), 'gitlab-meta-runner-demo-'));
}

/** A controller that SIGINT and SIGTERM abort, until `release()` removes the handlers. */
export function abortOnSignals(): { stop: AbortController; release: () => void } {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stop,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Stops the demo's batch jobs that still run; nothing when none was launched (or the spool was never made). */
export function stopDemoJobs(spool: string): void {
  try {
    stopJobs(spool);
  } catch {
    // No spool: nothing was launched.
  }
}
