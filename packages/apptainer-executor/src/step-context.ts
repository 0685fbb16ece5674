import type { Logger } from '@mr/logger';
import type { ExecutorIo } from './child-process.js';
import type { Env, JobEnvironment } from './job-environment.js';
import type { LockTiming } from '@mr/node-kit/lock';
import type { ExecutorSettings } from './setting-keys.js';

/** What every step gets. */
export interface StepContext {
  settings: ExecutorSettings;
  job: JobEnvironment;
  env: Env;
  cwd: string;
  io: ExecutorIo;
  logger: Logger;
  signal?: AbortSignal | undefined;
  lockTiming?: Partial<LockTiming> | undefined;
  /** This node's name. */
  host: string;
}

/** A step's outcome: done, or the job's script failed with this exit code. */
export type StepResult = { ok: true } | { ok: false; exitCode: number };
