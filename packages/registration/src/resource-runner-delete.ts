import { type GitLabClient, isNotFound } from '@mr/gitlab-api';
import type { Logger } from '@mr/logger';
import type { ResourceRunnersFile } from '@mr/runner-config';
import { removeRunner } from './runner-target.js';
import type { TokenStore } from './token-store.js';

/**
 * Deletes a resource runner in GitLab (404: already gone) and forgets it (tokens file entry, list entry);
 * false when GitLab failed. `why`: idle for longer than its instance allows, or its token refused.
 */
export async function deleteResourceRunner(
  { client, logger }: { client: GitLabClient; logger: Logger },
  name: string,
  file: ResourceRunnersFile,
  store: TokenStore,
  signal: AbortSignal,
  why: 'idle' | 'refused' = 'idle',
): Promise<boolean> {
  const what =
    why === 'idle'
      ? `the idle resource runner ${name}`
      : `the resource runner ${name} whose token GitLab refuses`;
  const token = store.get(name);
  try {
    if (token) await removeRunner(client, token.id, signal, logger);
  } catch (error) {
    if (!isNotFound(error)) {
      logger.warn(`cannot delete ${what}: ${(error as Error).message}`, { runner: name });
      return false;
    }
  }
  if (token) await store.delete(name);
  delete file.runners[name];
  logger.info(
    why === 'idle'
      ? 'deleted an idle resource runner'
      : 'deleted a resource runner whose token GitLab refuses',
    { runner: name, id: token?.id },
  );
  return true;
}
