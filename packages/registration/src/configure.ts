import { GitLabClient, isNotFound } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import {
  type Config,
  generateConfig,
  generatedConfigPath,
  gitlabBaseUrl,
  type InstanceContext,
  readTokens,
  type TokensFile,
  tokensFilePath,
  writeGeneratedConfig,
} from '@mr/runner-config';
import { forEachLimited } from '@mr/node-kit';
import { RegistrationError } from './errors.js';
import { type ConfigureFailure, rotateInStore } from './rotate.js';
import { ensureSystemId } from './system-id.js';
import { TokenStore } from './token-store.js';

export interface ConfigureOptions {
  config: Config;
  dataDir: string;
  /** `--generated-config-file`; default `<data-dir>/<name>.gitlab-config.toml`. */
  generatedConfigFile?: string | undefined;
  /** For instantiating `[runner]` (`$THIS`, environment, home). */
  context: InstanceContext;
  /** A client to use instead of one made from `hostname` and `management_token` (closed by the caller). */
  client?: GitLabClient | undefined;
  /** GitLab requests at once. Default 4. */
  concurrency?: number | undefined;
  logger?: Logger | undefined;
  now?: (() => Date) | undefined;
  signal?: AbortSignal | undefined;
}

export interface ConfigureResult {
  /** Instances registered now for the first time. */
  created: string[];
  /** Instances whose runner got the current description and tags. */
  updated: string[];
  /** Instances whose runner was gone from GitLab (404) and was registered again. */
  recreated: string[];
  /** Removed instances whose runner was deleted (or was already gone). */
  deleted: string[];
  /** Instances whose token was renewed. */
  rotated: string[];
  failed: ConfigureFailure[];
  projectId: number;
  tokensFile: string;
  generatedConfigFile: string;
  /** Instances in the generated config (those with a token). */
  included: string[];
  systemIdFile: string;
  systemIdCreated: boolean;
}

/** The runner description of an instance: `<name>-<instance>`, as the original tool registered it. */
export function runnerDescription(config: Config, instance: string): string {
  return `${config.name}-${instance}`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

type Task = { kind: 'sync'; instance: string } | { kind: 'delete'; instance: string };

/**
 * `gitlab-meta-runner configure`: makes the project's runners match the config's instances, then writes the
 * generated gitlab-runner config and `.runner_system_id`.
 *
 * - An instance with a stored token: its runner gets the description `<name>-<instance>`, the tags and
 *   `run_untagged` of the config; if GitLab answers 404 (deleted there) it is registered again.
 * - An instance without one: a runner is registered (locked to the project, not paused).
 * - A stored instance no longer in the config: its runner is deleted (404: already gone, fine).
 * - Then tokens that expire within `rotate_tokens_within` are renewed.
 *
 * Every token GitLab returns is written to the tokens file (atomically, 0600) before any further request
 * starts, so a failure or a kill at any point loses no token. A failed update, deletion or renewal keeps
 * the stored entry. Template problems in `[runner]` stop it before the first request (MR_CONFIG_TEMPLATE).
 * GitLab failures per instance are returned in `failed`; only failures that concern all instances (the
 * project cannot be read, the tokens file cannot be written) are thrown.
 */
export async function configure(options: ConfigureOptions): Promise<ConfigureResult> {
  const { config, dataDir, context } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const tokensFile = tokensFilePath(dataDir, config.name);
  const configFile = generatedConfigPath(dataDir, config.name, options.generatedConfigFile);
  const store = new TokenStore(tokensFile, await readTokens(tokensFile));

  // Check every [runner] template before changing anything in GitLab.
  const placeholders: TokensFile = {};
  for (const instance of Object.keys(config.runners))
    placeholders[instance] = { id: 0, token: 'placeholder' };
  generateConfig(config, placeholders, context);

  const client =
    options.client ??
    new GitLabClient({ baseUrl: gitlabBaseUrl(config.hostname), token: config.management_token, logger });
  const result: ConfigureResult = {
    created: [],
    updated: [],
    recreated: [],
    deleted: [],
    rotated: [],
    failed: [],
    projectId: 0,
    tokensFile,
    generatedConfigFile: configFile,
    included: [],
    systemIdFile: '',
    systemIdCreated: false,
  };
  try {
    const project = await client.getProject(config.project, { signal: options.signal });
    result.projectId = project.id;
    const signal = options.signal;
    /** Runners whose token could not be written (reported with the failure). */
    const lost: string[] = [];

    const register = async (instance: string): Promise<void> => {
      const runner = config.runners[instance]!;
      await store.ready();
      const created = await client.createRunner(
        {
          projectId: project.id,
          description: runnerDescription(config, instance),
          tagList: runner.tags,
          runUntagged: runner.run_untagged,
          locked: true,
          paused: false,
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
        lost.push(
          `runner ${created.id} (instance ${instance}) was registered, but its token could not be stored`,
        );
        throw error;
      }
    };

    const tasks: Task[] = [
      ...Object.keys(config.runners).map((instance) => ({ kind: 'sync' as const, instance })),
      ...Object.keys(store.tokens)
        .filter((instance) => !Object.hasOwn(config.runners, instance))
        .map((instance) => ({ kind: 'delete' as const, instance })),
    ];
    const fresh = new Set<string>();
    const work = async (task: Task) => {
      const { instance } = task;
      const stored = store.get(instance);
      let action: ConfigureFailure['action'] =
        task.kind === 'delete' ? 'delete' : stored ? 'update' : 'create';
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
                description: runnerDescription(config, instance),
                tagList: runner.tags,
                runUntagged: runner.run_untagged,
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
            fresh.add(instance);
            result.recreated.push(instance);
            logger.info('registered runner again', { instance, runner: store.get(instance)!.id });
          }
        } else {
          await register(instance);
          fresh.add(instance);
          result.created.push(instance);
          logger.info('registered runner', { instance, runner: store.get(instance)!.id });
        }
      } catch (error) {
        // Once the tokens file cannot be written, that is the one failure reported (below).
        if (store.failure !== undefined) return;
        result.failed.push({ instance, action, error: asError(error) });
        logger.error(`cannot ${action} the runner of ${instance}: ${asError(error).message}`, { instance });
      }
    };
    // No request starts once the tokens file cannot be written.
    await forEachLimited(tasks, options.concurrency ?? 4, work, () => store.failure === undefined);
    if (store.failure !== undefined) {
      const failure = asError(store.failure);
      throw new RegistrationError(
        'MR_CONFIGURE_TOKENS_UNWRITABLE',
        `cannot store runner tokens: ${failure.message}`,
        {
          details: lost,
          hint:
            lost.length > 0
              ? 'delete the runners named above in GitLab (Settings → CI/CD → Runners), fix the problem, and run configure again'
              : 'fix the problem and run configure again',
          cause: failure,
        },
      );
    }

    // Runners registered just now have fresh tokens; failed ones were reported already.
    for (const failure of result.failed) fresh.add(failure.instance);
    const rotation = await rotateInStore(store, {
      client,
      config,
      skip: fresh,
      verifyAll: true,
      concurrency: options.concurrency,
      logger,
      now,
      signal,
    });
    result.rotated.push(...rotation.rotated);
    result.failed.push(...rotation.failed);
  } finally {
    if (!options.client) await client.close();
  }
  await store.ready();

  const written = await writeGeneratedConfig(configFile, config, store.tokens, { ...context, logger });
  result.included = written.included;
  const systemId = await ensureSystemId(configFile);
  result.systemIdFile = systemId.path;
  result.systemIdCreated = systemId.created;
  // Instances in config order, then removed instances by name.
  const order = Object.keys(config.runners);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const byConfig = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
  for (const list of [result.created, result.updated, result.recreated, result.rotated]) list.sort(byConfig);
  result.deleted.sort();
  result.failed.sort((a, b) => byConfig(a.instance, b.instance));
  return result;
}
