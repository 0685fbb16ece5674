import { GitLabClient } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import {
  type Config,
  generateConfig,
  generatedConfigPath,
  gitlabBaseUrl,
  type InstanceContext,
  readResourceRunners,
  readTokens,
  resourceRunnersPath,
  type TokensFile,
  tokensFilePath,
  writeGeneratedConfig,
} from '@mr/runner-config';
import { type ConfigureResult, emptyConfigureResult, sortConfigureResult } from './configure-result.js';
import { RegistrationError } from './errors.js';
import { deleteOrphanRunners, ensureRegistrationId } from './orphans.js';
import { reconcileKept } from './kept-runners.js';
import { RUNNER_CHANGE_KEYS, reconcileRunners } from './reconcile.js';
import { rotateInStore } from './rotate.js';
import { describeTarget, resolveTarget, type RunnerTarget } from './runner-target.js';
import { ensureSystemId } from './system-id.js';
import { withTokensLock } from './token-lock.js';
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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * `gitlab-meta-runner configure`: makes the runners of the config's project, projects or group match its
 * instances, then writes the generated gitlab-runner config and `.runner_system_id`.
 *
 * - It holds the tokens lock throughout (see {@link withTokensLock}): no `run` renews a token meanwhile.
 * - Once the project is read, before any change in GitLab, it proves that tokens can be stored (the data
 *   directory's registration id is written, an existing tokens file rewritten); if not, it registers
 *   nothing and throws `MR_CONFIGURE_TOKENS_UNWRITABLE`.
 * - Runners that carry this data directory's registration id but have no stored token (orphans of a
 *   `configure` killed while GitLab created them) are deleted.
 * - An instance with a stored token: its runner gets the description `<name>-<instance> [<registration
 *   id>]`, the tags and `run_untagged` of the config; if GitLab answers 404 (deleted there) it is
 *   registered again.
 * - An instance without one: a runner is registered, not paused: for `project` locked to the project, for
 *   `projects` in the first project and then enabled in the others, for `group` as a group runner.
 * - With `projects`, each runner is enabled in the projects of the list and disabled in the others; a
 *   runner that does not fit the config any more (of the wrong kind, or whose first project was dropped)
 *   is deleted and registered again (`moved`).
 * - A stored instance no longer in the config: its runner is deleted (404: already gone, fine).
 * - Then every token is verified, and refused or expiring ones are renewed (and verified again).
 *
 * Every token GitLab returns is written to the tokens file (atomically, 0600) before any further request
 * starts, so a failure or a kill at any point loses no token. A failed update, deletion or renewal keeps
 * the stored entry. Template problems in `[runner]` stop it before the first request (MR_CONFIG_TEMPLATE).
 * GitLab failures per instance are returned in `failed`; only failures that concern all instances (the
 * project cannot be read, the tokens file cannot be written) are thrown.
 */
export async function configure(options: ConfigureOptions): Promise<ConfigureResult> {
  const { config, dataDir, context } = options;
  const tokensFile = tokensFilePath(dataDir, config.name);
  const configFile = generatedConfigPath(dataDir, config.name, options.generatedConfigFile);
  // Check every [runner] template before changing anything in GitLab.
  const placeholders: TokensFile = {};
  for (const instance of Object.keys(config.runners))
    placeholders[instance] = { id: 0, token: 'placeholder' };
  generateConfig(config, placeholders, context);
  return withTokensLock(
    {
      tokensFile,
      generatedConfigFile: configFile,
      purpose: 'gitlab-meta-runner configure',
      logger: options.logger,
      signal: options.signal,
    },
    (signal) => configureLocked({ ...options, signal }, tokensFile, configFile),
  );
}

/** Proves, before any change in GitLab, that tokens can be stored: the registration id and the tokens file. */
async function proveWritable(store: TokenStore, dataDir: string, name: string): Promise<string> {
  try {
    const id = await ensureRegistrationId(dataDir, name);
    await store.probe();
    return id;
  } catch (error) {
    throw new RegistrationError(
      'MR_CONFIGURE_TOKENS_UNWRITABLE',
      `cannot store runner tokens: ${asError(error).message}; nothing was registered`,
      { hint: `make ${dataDir} writable (and not full), then run configure again`, cause: error },
    );
  }
}

async function configureLocked(
  options: ConfigureOptions & { signal: AbortSignal },
  tokensFile: string,
  configFile: string,
): Promise<ConfigureResult> {
  const { config, dataDir, context, signal } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const store = new TokenStore(tokensFile, await readTokens(tokensFile));
  // Resource runners `run` registered for instances still in the config are kept (and written below).
  const resourceRunners = (await readResourceRunners(resourceRunnersPath(dataDir, config.name))).runners;
  const kept = (name: string) =>
    Object.hasOwn(resourceRunners, name) && Object.hasOwn(config.runners, resourceRunners[name]!.instance);
  const client =
    options.client ??
    new GitLabClient({ baseUrl: gitlabBaseUrl(config.hostname), token: config.management_token, logger });
  const result = emptyConfigureResult(tokensFile, configFile);
  try {
    const target: RunnerTarget = await resolveTarget(client, config, signal);
    result.projectId =
      target.kind === 'project' ? target.project.id : target.kind === 'projects' ? target.projects[0]!.id : 0;
    result.target = describeTarget(target);
    const registrationId = await proveWritable(store, dataDir, config.name);
    const orphans = () =>
      deleteOrphanRunners({
        client,
        target,
        registrationId,
        storedIds: new Set(Object.values(store.tokens).map((t) => t.id)),
        logger,
        signal,
      });
    result.orphansDeleted.push(...(await orphans()));
    const done = await reconcileRunners(store, {
      client,
      config,
      target,
      registrationId,
      concurrency: options.concurrency ?? 4,
      logger,
      now,
      signal,
      keep: kept,
    });
    for (const key of RUNNER_CHANGE_KEYS) (result[key] as unknown[]).push(...done[key]);
    if (store.failure !== undefined) {
      const failure = asError(store.failure);
      throw new RegistrationError(
        'MR_CONFIGURE_TOKENS_UNWRITABLE',
        `cannot store runner tokens: ${failure.message}`,
        {
          details: done.lost,
          hint:
            done.lost.length > 0
              ? "fix the problem and run configure again: it deletes the runners named above (they carry this data directory's registration id) and registers new ones"
              : 'fix the problem and run configure again',
          cause: failure,
        },
      );
    }
    // Resource runners of `run` follow the scope too (enabled in the listed projects, or registered anew).
    await reconcileKept(store, Object.keys(store.tokens).filter(kept), { client, target, logger, signal });
    // A registration that failed may have created the runner before its answer was lost: delete it now.
    if (done.failed.some((f) => f.action === 'create')) result.orphansDeleted.push(...(await orphans()));

    // Runners registered just now have fresh tokens; failed ones were reported already.
    const fresh = new Set([...done.fresh, ...done.failed.map((f) => f.instance)]);
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
  const written = await writeGeneratedConfig(configFile, config, store.tokens, {
    ...context,
    logger,
    resourceRunners,
  });
  result.included = written.included;
  result.resourceRunners = Object.keys(resourceRunners)
    .filter((name) => kept(name) && store.get(name))
    .sort()
    .map((name) => ({ name, tags: resourceRunners[name]!.tags }));
  const systemId = await ensureSystemId(configFile);
  result.systemIdFile = systemId.path;
  result.systemIdCreated = systemId.created;
  sortConfigureResult(result, Object.keys(config.runners));
  return result;
}
