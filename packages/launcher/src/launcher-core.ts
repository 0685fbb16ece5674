import type { Logger } from '@mr/logger';
import type { BatchSystems } from './batch-systems.js';
import type { LauncherOptions } from './launcher-options.js';
import type { PendingSince } from './pickup-times.js';
import type { LaunchState } from './state.js';

/** What the steps of a cycle share with the {@link Launcher} that runs them. */
export interface LauncherCore {
  readonly options: LauncherOptions;
  /** The launch state in memory; steps change it and then save. */
  readonly state: LaunchState;
  readonly logger: Logger;
  readonly systems: BatchSystems;
  /** Tokens (at least 4 characters), redacted from everything logged. */
  readonly secrets: readonly string[];
  /** The environment of launch, status and cancel commands. */
  env(): Record<string, string | undefined>;
  now(): Date;
  /** Saves the state; saves never overlap. */
  save(): Promise<void>;
  /** Saves while launch commands run: a failure is kept and thrown at the end of the cycle. */
  saveQuietly(): Promise<void>;
  /** The paths of the projects of pending jobs of this cycle, each once (empty without projects). */
  projectsOf(jobIds: readonly number[]): string[];
  /** Why the lock was lost, once it was. */
  lockLost(): string | undefined;
  /** When the pending jobs of the cycles became pending (for the pickup times of launches). */
  readonly pendingSince: PendingSince;
}
