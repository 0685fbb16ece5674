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
import { RegistrationError } from './errors.js';
import { deleteOrphanRunners, ensureRegistrationId, type OrphanRunner } from './orphans.js';
import { reconcileKept } from './kept-runners.js';
import { reconcileRunners } from './reconcile.js';
import { type ConfigureFailure, rotateInStore } from './rotate.js';
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

export interface ConfigureResult {
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
  /** Instances whose token was renewed. */
  rotated: string[];
  /**
   * Runners this data directory registered but holds no token for (a `configure` killed, or that lost
   * GitLab's answer, while GitLab created them), deleted now.
   */
  orphansDeleted: OrphanRunner[];
  failed: ConfigureFailure[];
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
  const result: ConfigureResult = {
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
    generatedConfigFile: configFile,
    included: [],
    resourceRunners: [],
    systemIdFile: '',
    systemIdCreated: false,
  };
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
    for (const key of [
      'created',
      'updated',
      'recreated',
      'deleted',
      'moved',
      'projectChanges',
      'failed',
    ] as const)
      (result[key] as unknown[]).push(...done[key]);
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
  // Instances in config order, then removed instances by name.
  const order = Object.keys(config.runners);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const byConfig = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
  for (const list of [result.created, result.updated, result.recreated, result.moved, result.rotated])
    list.sort(byConfig);
  result.projectChanges.sort((a, b) => byConfig(a.instance, b.instance));
  result.deleted.sort();
  result.failed.sort((a, b) => byConfig(a.instance, b.instance));
  return result;
}
