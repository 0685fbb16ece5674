import type { Config, ResourceRunnerEntry, ResourceRunnersFile } from '@mr/runner-config';

/** One set of resource tags of an instance (the launcher's `ResourceSet`). */
export interface ResourceSet {
  name: string;
  instance: string;
  resources: Record<string, string>;
  tags: string[];
}

/** What {@link ResourceRunnerRegistry.sync} is given each cycle (the launcher's `ResourceRunnerSync`). */
export interface ResourceSyncInput {
  needed: readonly ResourceSet[];
  inUse: ReadonlySet<string>;
  /** The first refused jobs of the cycle (the launcher hands on a bounded number). */
  refused: ReadonlyArray<{ job: number; tags: readonly string[]; reason: string }>;
  /** How many jobs the cycle refused in all; default the length of `refused`. */
  refusedTotal?: number | undefined;
  /**
   * Resource runner name → the token GitLab refuses: a runner that still has that token is deleted and
   * forgotten, then registered again when needed.
   */
  refusedTokens?: ReadonlyMap<string, string> | undefined;
  signal: AbortSignal;
}

export interface ResourceSyncResult {
  ready: ReadonlySet<string>;
  waiting: ReadonlyMap<string, string>;
  secrets: readonly string[];
}

/** Records that the resource runners in use were needed `now`. */
export function markUsed(file: ResourceRunnersFile, inUse: ReadonlySet<string>, now: Date): void {
  for (const name of inUse) {
    const entry = file.runners[name];
    if (entry) entry.last_used_at = now.toISOString();
  }
}

/** Idle for longer than its instance allows, or of an instance no longer in the config. */
export function isExpired(config: Config, entry: ResourceRunnerEntry, now: Date): boolean {
  const instance = Object.hasOwn(config.runners, entry.instance) ? config.runners[entry.instance] : undefined;
  return !instance || now.getTime() - Date.parse(entry.last_used_at) >= instance.resource_runner_idle;
}

/** The cycle's refused jobs, for `status`. */
export function recordRefused(file: ResourceRunnersFile, input: ResourceSyncInput): void {
  file.refused = input.refused.map((r) => ({ job: r.job, tags: [...r.tags], reason: r.reason }));
  file.refused_total = Math.max(input.refusedTotal ?? 0, file.refused.length);
}
