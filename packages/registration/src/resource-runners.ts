import type { GitLabClient } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import {
  type Config,
  generatedConfigPath,
  type InstanceContext,
  type ResourceRunnersFile,
  type TokensFile,
  readResourceRunners,
  readTokens,
  resourceRunnersPath,
  runnerMaximumTimeout,
  tokensFilePath,
  writeGeneratedConfig,
  writeResourceRunners,
} from '@mr/runner-config';
import { ensureRegistrationId, markedDescription } from './orphans.js';
import {
  isExpired,
  markUsed,
  recordRefused,
  type ResourceSet,
  type ResourceSyncInput,
  type ResourceSyncResult,
} from './resource-runner-usage.js';
import { deleteResourceRunner } from './resource-runner-delete.js';
import { createRunnerFor, resolveTarget, type RunnerTarget, syncProjects } from './runner-target.js';
import { withTokensLock } from './token-lock.js';
import { TokenStore } from './token-store.js';

export interface ResourceRunnerRegistryOptions {
  client: GitLabClient;
  config: Config;
  dataDir: string;
  generatedConfigFile?: string | undefined;
  /** For instantiating `[runner]` in the generated gitlab-runner config. */
  context: InstanceContext;
  logger?: Logger | undefined;
  now?: (() => Date) | undefined;
}

/**
 * The runners `run` registers for sets of resource tags (one per distinct set in use): it registers them
 * through the API, keeps their tokens in the tokens file like every other token, lists them in
 * `<name>.resource-runners.json`, writes their sections into the generated gitlab-runner config before any
 * launch uses them, and deletes those unused for `resource_runner_idle`, or the least recently used one
 * when an instance reaches `max_resource_runners`.
 */
export class ResourceRunnerRegistry {
  readonly #o: ResourceRunnerRegistryOptions;
  readonly #logger: Logger;
  readonly #file: string;
  readonly #tokensFile: string;
  readonly #generatedConfigFile: string;
  #target: RunnerTarget | undefined;
  #registrationId: string | undefined;
  /** Sets whose registration failed and the reason, so that it is logged once. */
  readonly #failed = new Map<string, string>();

  constructor(options: ResourceRunnerRegistryOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
    this.#file = resourceRunnersPath(options.dataDir, options.config.name);
    this.#tokensFile = tokensFilePath(options.dataDir, options.config.name);
    this.#generatedConfigFile = generatedConfigPath(
      options.dataDir,
      options.config.name,
      options.generatedConfigFile,
    );
  }

  #deps(): { client: GitLabClient; logger: Logger } {
    return { client: this.#o.client, logger: this.#logger };
  }

  /**
   * One cycle's work (see the launcher's `ResourceRunnerSync`). Registering and deleting runners hold the
   * tokens lock, like every change of runner tokens; a cycle that only marks use takes no lock.
   */
  async sync(input: ResourceSyncInput): Promise<ResourceSyncResult> {
    const now = (this.#o.now ?? (() => new Date()))();
    const file = await readResourceRunners(this.#file);
    const tokens = await readTokens(this.#tokensFile);
    if (!this.#wouldChange(file, tokens, input, now)) {
      markUsed(file, input.inUse, now);
      recordRefused(file, input);
      await writeResourceRunners(this.#file, file);
      return { ready: new Set(Object.keys(file.runners)), waiting: new Map(), secrets: [] };
    }
    return withTokensLock(
      {
        tokensFile: this.#tokensFile,
        generatedConfigFile: this.#generatedConfigFile,
        purpose: 'gitlab-meta-runner run (resource runners)',
        logger: this.#logger,
        signal: input.signal,
      },
      (signal) => this.#change({ ...input, signal }, now),
    );
  }

  /** Whether a runner is to be registered or deleted, or an entry lost its token. */
  #wouldChange(file: ResourceRunnersFile, tokens: TokensFile, input: ResourceSyncInput, now: Date): boolean {
    const { config } = this.#o;
    for (const [name, token] of input.refusedTokens ?? []) if (tokens[name]?.token === token) return true;
    if (input.needed.some((set) => !file.runners[set.name] || !Object.hasOwn(tokens, set.name))) return true;
    return Object.entries(file.runners).some(([name, entry]) => {
      if (!Object.hasOwn(tokens, name)) return true;
      if (input.inUse.has(name)) return false;
      return isExpired(config, entry, now);
    });
  }

  async #change(input: ResourceSyncInput, now: Date): Promise<ResourceSyncResult> {
    const { config } = this.#o;
    // Read again under the lock: another process may have changed the tokens meanwhile.
    const file = await readResourceRunners(this.#file);
    const store = new TokenStore(this.#tokensFile, await readTokens(this.#tokensFile));
    let changed = false;
    const secrets: string[] = [];
    const waiting = new Map<string, string>();

    // Entries whose token is gone (configure deleted the runner) are forgotten.
    for (const name of Object.keys(file.runners))
      if (!store.get(name)) {
        delete file.runners[name];
        changed = true;
      }
    markUsed(file, input.inUse, now);
    // GitLab refuses their tokens: deleted (if GitLab still has the runner) so that a new one is registered.
    // Only while they still have the refused token: another process may have renewed it meanwhile.
    const refused = new Set<string>();
    for (const [name, token] of input.refusedTokens ?? []) {
      if (store.get(name)?.token !== token) continue;
      if (await deleteResourceRunner(this.#deps(), name, file, store, input.signal, 'refused'))
        changed = true;
      else refused.add(name);
    }
    for (const [name, entry] of Object.entries(file.runners)) {
      if (refused.has(name) || input.inUse.has(name) || !isExpired(config, entry, now)) continue;
      if (await deleteResourceRunner(this.#deps(), name, file, store, input.signal)) changed = true;
    }

    for (const set of input.needed) {
      if (refused.has(set.name)) {
        waiting.set(
          set.name,
          'GitLab refuses its runner token, and the runner could not be deleted to register it again',
        );
        continue;
      }
      if (file.runners[set.name] && store.get(set.name)) continue;
      const reason = await this.#register(set, file, store, input.inUse, now, input.signal);
      if (reason) waiting.set(set.name, reason);
      else {
        changed = true;
        secrets.push(store.get(set.name)!.token);
      }
    }
    recordRefused(file, input);
    await store.ready();
    await writeResourceRunners(this.#file, file);
    if (changed) {
      await writeGeneratedConfig(this.#generatedConfigFile, config, store.tokens, {
        ...this.#o.context,
        logger: this.#logger,
        resourceRunners: file.runners,
      });
    }
    const ready = new Set(Object.keys(file.runners));
    for (const name of refused) ready.delete(name);
    return { ready, waiting, secrets };
  }

  /** Registers the runner of a set; returns why it could not. */
  async #register(
    set: ResourceSet,
    file: ResourceRunnersFile,
    store: TokenStore,
    inUse: ReadonlySet<string>,
    now: Date,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const { config, client } = this.#o;
    const instance = config.runners[set.instance];
    if (!instance) return `instance ${set.instance} is not in the config`;
    const own = Object.entries(file.runners).filter(([, e]) => e.instance === set.instance);
    if (own.length >= instance.max_resource_runners) {
      // The least recently used runner of the instance that nothing uses now makes room.
      const spare = own
        .filter(([name]) => !inUse.has(name))
        .sort(([, a], [, b]) => a.last_used_at.localeCompare(b.last_used_at))[0];
      if (!spare || !(await deleteResourceRunner(this.#deps(), spare[0], file, store, signal)))
        return `max_resource_runners (${instance.max_resource_runners}) of instance ${set.instance} reached: the jobs wait until one of its resource runners is idle`;
    }
    const maximumTimeout = runnerMaximumTimeout(instance, set.resources);
    try {
      // Where the instances' runners are: the project, the projects or the group of the config.
      this.#target ??= await resolveTarget(client, config, signal);
      const target = this.#target;
      // Marked like every runner of this data directory, so that one whose token is lost is an orphan
      // that the next `configure` deletes.
      this.#registrationId ??= await ensureRegistrationId(this.#o.dataDir, config.name);
      await store.ready();
      const created = await createRunnerFor(
        client,
        target,
        {
          description: markedDescription(config.name, set.name, this.#registrationId),
          tagList: set.tags,
          runUntagged: false,
          paused: false,
          maximumTimeout,
        },
        signal,
      );
      await store.set(set.name, {
        id: created.id,
        token: created.token,
        token_obtained_at: now.toISOString(),
        ...(created.token_expires_at ? { token_expires_at: created.token_expires_at } : {}),
      });
      if (target.kind === 'projects')
        await syncProjects(client, target, created.id, [target.projects[0]!], signal);
      file.runners[set.name] = {
        instance: set.instance,
        tags: set.tags,
        resources: set.resources,
        ...(maximumTimeout === undefined ? {} : { maximum_timeout: maximumTimeout }),
        created_at: now.toISOString(),
        last_used_at: now.toISOString(),
      };
      this.#failed.delete(set.name);
      this.#logger.info('registered a resource runner', {
        runner: set.name,
        id: created.id,
        tags: set.tags.join(','),
        maximum_timeout_s: maximumTimeout,
      });
      return undefined;
    } catch (error) {
      const reason = `cannot register its resource runner: ${(error as Error).message}`;
      if (this.#failed.get(set.name) !== reason)
        this.#logger.error(reason, { runner: set.name, code: (error as { code?: string }).code });
      this.#failed.set(set.name, reason);
      return reason;
    }
  }
}
