import { type GitLabClient, type GitLabRunner, isNotFound } from '@mr/gitlab-api';
import type { Logger } from '@mr/logger';
import { type Config, runnerMaximumTimeout } from '@mr/runner-config';
import { forEachLimited } from '@mr/node-kit';
import { markedDescription } from './orphans.js';
import type { ConfigureFailure } from './rotate.js';
import {
  createRunnerFor,
  type ProjectRef,
  removeRunner,
  type RunnerTarget,
  runnerTypeOf,
  syncProjects,
} from './runner-target.js';
import type { TokenStore } from './token-store.js';

/** What reconciling changed, by instance name (`configure` returns it as part of its result). */
export interface RunnerChanges {
  /** Instances registered now for the first time. */
  created: string[];
  /** Instances whose runner got the current description and tags. */
  updated: string[];
  /** Instances whose runner was gone from GitLab (404) and was registered again. */
  recreated: string[];
  /** Removed instances whose runner was deleted (or was already gone). */
  deleted: string[];
  /**
   * Instances registered again because their runner no longer fits the config: a project runner when the
   * config names a group (or the other way round), or a runner whose first project left `projects`.
   */
  moved: string[];
  /** With `projects`: the projects each instance's runner was enabled in or disabled in now. */
  projectChanges: Array<{ instance: string; enabled: string[]; disabled: string[] }>;
  failed: ConfigureFailure[];
}

/** The keys of {@link RunnerChanges}. */
export const RUNNER_CHANGE_KEYS = [
  'created',
  'updated',
  'recreated',
  'deleted',
  'moved',
  'projectChanges',
  'failed',
] as const satisfies ReadonlyArray<keyof RunnerChanges>;

/** What {@link reconcileRunners} did. */
export interface ReconcileResult extends RunnerChanges {
  /** Instances registered now (their tokens are fresh). */
  fresh: Set<string>;
  /** Runners registered whose token could not be written (for the error that reports it). */
  lost: string[];
}

export interface ReconcileOptions {
  client: GitLabClient;
  config: Config;
  /** Where the runners are registered (one project, several, or a group). */
  target: RunnerTarget;
  registrationId: string;
  concurrency: number;
  logger: Logger;
  now: () => Date;
  signal: AbortSignal;
  /** Stored names that are not instances but are kept (resource runners of instances in the config). */
  keep?: ((name: string) => boolean) | undefined;
}

function describeKind(target: RunnerTarget): string {
  if (target.kind === 'group') return 'a group runner';
  if (target.kind === 'projects') return `a runner created in ${target.projects[0]!.path}`;
  return 'a project runner';
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
    moved: [],
    projectChanges: [],
    failed: [],
    fresh: new Set(),
    lost: [],
  };
  const { target } = options;
  const description = (instance: string) => markedDescription(config.name, instance, options.registrationId);

  const register = async (instance: string): Promise<void> => {
    const runner = config.runners[instance]!;
    await store.ready();
    // GitLab creates the runner before it answers: if this process dies or the answer is lost now, the
    // runner carries the registration id and the next `configure` deletes it (see deleteOrphanRunners).
    const created = await createRunnerFor(
      client,
      target,
      {
        description: description(instance),
        tagList: runner.tags,
        runUntagged: runner.run_untagged,
        paused: false,
        maximumTimeout: runnerMaximumTimeout(runner),
      },
      signal,
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
    if (target.kind === 'projects') await sync(instance, created.id, [target.projects[0]!]);
  };

  /** With `projects`: enables and disables the runner in projects; false when it must be registered again. */
  const sync = async (instance: string, id: number, current: readonly ProjectRef[]): Promise<boolean> => {
    if (target.kind !== 'projects') return true;
    const changed = await syncProjects(client, target, id, current, signal);
    if (changed.enabled.length + changed.disabled.length > 0) {
      result.projectChanges.push({ instance, enabled: changed.enabled, disabled: changed.disabled });
      logger.info('changed the projects of a runner', {
        instance,
        runner: id,
        ...(changed.enabled.length ? { enabled: changed.enabled.join(',') } : {}),
        ...(changed.disabled.length ? { disabled: changed.disabled.join(',') } : {}),
      });
    }
    return !changed.ownerDropped;
  };

  /** A runner of another kind than the config asks for (a project runner for a group), or not where it must be. */
  const fits = async (instance: string, updated: GitLabRunner): Promise<boolean> => {
    if (updated.runner_type && updated.runner_type !== runnerTypeOf(target)) return false;
    const current = (updated.projects ?? []).map((p) => ({
      id: p.id,
      path: p.path_with_namespace ?? String(p.id),
    }));
    return sync(instance, updated.id, current);
  };

  const work = async (task: Task) => {
    const { instance } = task;
    const stored = store.get(instance);
    let action: ConfigureFailure['action'] = task.kind === 'delete' ? 'delete' : stored ? 'update' : 'create';
    try {
      if (task.kind === 'delete') {
        await store.ready();
        try {
          await removeRunner(client, stored!.id, signal, logger);
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
          const updated = await client.updateRunner(
            stored.id,
            {
              description: description(instance),
              tagList: runner.tags,
              runUntagged: runner.run_untagged,
              maximumTimeout: runnerMaximumTimeout(runner),
              // Several projects: the runner must not be locked to one ("Runner is locked").
              ...(target.kind === 'projects' ? { locked: false } : {}),
            },
            { signal },
          );
          if (await fits(instance, updated)) {
            result.updated.push(instance);
            logger.info('updated runner', { instance, runner: stored.id });
          } else {
            // GitLab cannot turn a project runner into a group runner, or move one to another owner project.
            logger.warn(
              `the runner no longer fits the config (${describeKind(target)}); registering it again`,
              {
                instance,
                runner: stored.id,
              },
            );
            action = 'create';
            await removeRunner(client, stored.id, signal, logger);
            await register(instance);
            result.fresh.add(instance);
            result.moved.push(instance);
            logger.info('registered runner again', { instance, runner: store.get(instance)!.id });
          }
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
