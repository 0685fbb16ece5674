import { type GitLabClient, isNotFound } from '@mr/gitlab-api';
import type { Logger } from '@mr/logger';
import { type Config, runnerMaximumTimeout } from '@mr/runner-config';
import { forEachLimited } from '@mr/node-kit';
import { markedDescription } from './orphans.js';
import type { ConfigureFailure } from './rotate.js';
import type { TokenStore } from './token-store.js';

/** What {@link reconcileRunners} did, by instance name. */
export interface ReconcileResult {
  created: string[];
  updated: string[];
  recreated: string[];
  deleted: string[];
  failed: ConfigureFailure[];
  /** Instances registered now (their tokens are fresh). */
  fresh: Set<string>;
  /** Runners registered whose token could not be written (for the error that reports it). */
  lost: string[];
}

export interface ReconcileOptions {
  client: GitLabClient;
  config: Config;
  projectId: number;
  registrationId: string;
  concurrency: number;
  logger: Logger;
  now: () => Date;
  signal: AbortSignal;
  /** Stored names that are not instances but are kept (resource runners of instances in the config). */
  keep?: ((name: string) => boolean) | undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

type Task = { kind: 'sync'; instance: string } | { kind: 'delete'; instance: string };

/**
 * Makes the project's runners match the config's instances (see `configure`), writing every token to the
 * store before the next request starts. Stops starting requests once the store cannot be written.
 */
export async function reconcileRunners(
  store: TokenStore,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const { client, config, logger, now, signal } = options;
  const result: ReconcileResult = {
    created: [],
    updated: [],
    recreated: [],
    deleted: [],
    failed: [],
    fresh: new Set(),
    lost: [],
  };
  const description = (instance: string) => markedDescription(config.name, instance, options.registrationId);

  const register = async (instance: string): Promise<void> => {
    const runner = config.runners[instance]!;
    await store.ready();
    // GitLab creates the runner before it answers: if this process dies or the answer is lost now, the
    // runner carries the registration id and the next `configure` deletes it (see deleteOrphanRunners).
    const created = await client.createRunner(
      {
        projectId: options.projectId,
        description: description(instance),
        tagList: runner.tags,
        runUntagged: runner.run_untagged,
        locked: true,
        paused: false,
        maximumTimeout: runnerMaximumTimeout(runner),
      },
      { signal },
    );
    try {
      await store.set(instance, {
        id: created.id,
        token: created.token,
        token_obtained_at: now().toISOString(),
        ...(created.token_expires_at ? { token_expires_at: created.token_expires_at } : {}),
      });
    } catch (error) {
      result.lost.push(
        `runner ${created.id} (instance ${instance}) was registered, but its token could not be stored`,
      );
      throw error;
    }
  };

  const work = async (task: Task) => {
    const { instance } = task;
    const stored = store.get(instance);
    let action: ConfigureFailure['action'] = task.kind === 'delete' ? 'delete' : stored ? 'update' : 'create';
    try {
      if (task.kind === 'delete') {
        await store.ready();
        try {
          await client.deleteRunner(stored!.id, { signal });
        } catch (error) {
          if (!isNotFound(error)) throw error;
          logger.verbose('runner of a removed instance was already gone', { instance, runner: stored!.id });
        }
        await store.delete(instance);
        result.deleted.push(instance);
        logger.info('deleted the runner of a removed instance', { instance, runner: stored!.id });
      } else if (stored) {
        const runner = config.runners[instance]!;
        await store.ready();
        try {
          await client.updateRunner(
            stored.id,
            {
              description: description(instance),
              tagList: runner.tags,
              runUntagged: runner.run_untagged,
              maximumTimeout: runnerMaximumTimeout(runner),
            },
            { signal },
          );
          result.updated.push(instance);
          logger.info('updated runner', { instance, runner: stored.id });
        } catch (error) {
          if (!isNotFound(error)) throw error;
          logger.warn('runner is gone from GitLab (404); registering it again', {
            instance,
            runner: stored.id,
          });
          action = 'create';
          await register(instance);
          result.fresh.add(instance);
          result.recreated.push(instance);
          logger.info('registered runner again', { instance, runner: store.get(instance)!.id });
        }
      } else {
        await register(instance);
        result.fresh.add(instance);
        result.created.push(instance);
        logger.info('registered runner', { instance, runner: store.get(instance)!.id });
      }
    } catch (error) {
      // Once the tokens file cannot be written, that is the one failure reported (by the caller).
      if (store.failure !== undefined) return;
      result.failed.push({ instance, action, error: asError(error) });
      logger.error(`cannot ${action} the runner of ${instance}: ${asError(error).message}`, { instance });
    }
  };

  const tasks: Task[] = [
    ...Object.keys(config.runners).map((instance) => ({ kind: 'sync' as const, instance })),
    ...Object.keys(store.tokens)
      .filter((instance) => !Object.hasOwn(config.runners, instance) && !options.keep?.(instance))
      .map((instance) => ({ kind: 'delete' as const, instance })),
  ];
  // No request starts once the tokens file cannot be written.
  await forEachLimited(tasks, options.concurrency, work, () => store.failure === undefined);
  return result;
}
