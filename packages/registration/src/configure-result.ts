import type { OrphanRunner } from './orphans.js';
import type { RunnerChanges } from './reconcile.js';

/** What `configure` did: the changes of the instances' runners, then the rest. */
export interface ConfigureResult extends RunnerChanges {
  /** Instances whose token was renewed. */
  rotated: string[];
  /**
   * Runners this data directory registered but holds no token for (a `configure` killed, or that lost
   * GitLab's answer, while GitLab created them), deleted now.
   */
  orphansDeleted: OrphanRunner[];
  /** The project the runners are registered in (the first of `projects`); 0 for a group. */
  projectId: number;
  /** Where the runners are registered, in words (`project a/b`, `projects a/b, c/d`, `group g`). */
  target: string;
  tokensFile: string;
  generatedConfigFile: string;
  /** Instances in the generated config (those with a token). */
  included: string[];
  /** Resource runners `run` registered, kept and written into the generated config too. */
  resourceRunners: Array<{ name: string; tags: string[] }>;
  systemIdFile: string;
  systemIdCreated: boolean;
}

/** A result with nothing done yet. */
export function emptyConfigureResult(tokensFile: string, generatedConfigFile: string): ConfigureResult {
  return {
    created: [],
    updated: [],
    recreated: [],
    deleted: [],
    rotated: [],
    failed: [],
    orphansDeleted: [],
    moved: [],
    projectChanges: [],
    projectId: 0,
    target: '',
    tokensFile,
    generatedConfigFile,
    included: [],
    resourceRunners: [],
    systemIdFile: '',
    systemIdCreated: false,
  };
}

/** Sorts the instance lists in place: instances in config order (`order`), then removed instances by name. */
export function sortConfigureResult(result: ConfigureResult, order: readonly string[]): void {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const byConfig = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
  for (const list of [result.created, result.updated, result.recreated, result.moved, result.rotated])
    list.sort(byConfig);
  result.projectChanges.sort((a, b) => byConfig(a.instance, b.instance));
  result.deleted.sort();
  result.failed.sort((a, b) => byConfig(a.instance, b.instance));
}
