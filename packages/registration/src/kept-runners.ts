import type { GitLabClient } from '@mr/gitlab-api';
import { isNotFound } from '@mr/gitlab-api';
import type { Logger } from '@mr/logger';
import { removeRunner, type RunnerTarget, runnerTypeOf, syncProjects } from './runner-target.js';
import type { TokenStore } from './token-store.js';

/**
 * The runners `configure` keeps without owning them (the resource runners of `run`, docs/resources.md)
 * follow the config's scope like the instances' runners: with `projects` they are enabled and disabled as
 * the list changes; one that no longer fits (another kind of runner, or its first project dropped) is
 * deleted and its token forgotten, so that `run` registers it again where it belongs when a job needs it.
 * Returns the names forgotten. Failures are logged; the next `configure` tries again.
 */
export async function reconcileKept(
  store: TokenStore,
  names: readonly string[],
  options: { client: GitLabClient; target: RunnerTarget; logger: Logger; signal: AbortSignal },
): Promise<string[]> {
  const { client, target, logger, signal } = options;
  const forgotten: string[] = [];
  for (const name of names) {
    const stored = store.get(name);
    if (!stored) continue;
    try {
      let fits: boolean;
      try {
        const details = await client.getRunner(stored.id, { signal });
        fits = !details.runner_type || details.runner_type === runnerTypeOf(target);
        if (fits && target.kind === 'projects') {
          const current = (details.projects ?? []).map((p) => ({
            id: p.id,
            path: p.path_with_namespace ?? String(p.id),
          }));
          fits = !(await syncProjects(client, target, stored.id, current, signal)).ownerDropped;
        }
      } catch (error) {
        if (!isNotFound(error)) throw error;
        fits = false;
      }
      if (fits) continue;
      await removeRunner(client, stored.id, signal, logger);
      await store.ready();
      await store.delete(name);
      forgotten.push(name);
      logger.info('deleted a resource runner that no longer fits the config; run registers it again', {
        runner: name,
        id: stored.id,
      });
    } catch (error) {
      if (store.failure !== undefined) return forgotten;
      logger.warn(
        `cannot bring the resource runner ${name} in line with the config: ${(error as Error).message}`,
        {
          runner: name,
        },
      );
    }
  }
  return forgotten;
}
