import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitLabClient, isNotFound, type ListedRunner } from '@mr/gitlab-api';
import { type Logger, silentLogger } from '@mr/logger';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { removeRunner, type RunnerTarget } from './runner-target.js';

/**
 * `<data>/<name>.registration-id`: a random id (`mr-` and 12 hexadecimal digits) that `configure` puts into
 * the description of every runner it registers from this data directory, so that it can tell its own
 * runners from everyone else's in the project.
 */
export function registrationIdPath(dataDir: string, configName: string): string {
  return join(dataDir, `${configName}.registration-id`);
}

const idPattern = /^mr-[0-9a-f]{12}$/;

/** Reads the registration id of a data directory; undefined when there is none (yet). */
export async function readRegistrationId(dataDir: string, configName: string): Promise<string | undefined> {
  const text = await readFile(registrationIdPath(dataDir, configName), 'utf8').catch(() => undefined);
  const id = text?.trim();
  return id && idPattern.test(id) ? id : undefined;
}

/**
 * The registration id of a data directory, created (atomically, 0600) when there is none. Writing it is
 * also the first proof that the data directory is writable, before anything is registered.
 */
export async function ensureRegistrationId(dataDir: string, configName: string): Promise<string> {
  const existing = await readRegistrationId(dataDir, configName);
  if (existing) return existing;
  const id = `mr-${randomBytes(6).toString('hex')}`;
  await writeFileAtomic(registrationIdPath(dataDir, configName), `${id}\n`, { mode: 0o600, mkdir: true });
  return id;
}

/**
 * The runner description of an instance: `<name>-<instance>`, as the original tool registered it, then the
 * data directory's registration id in brackets (`meta-cpu [mr-0123456789ab]`).
 */
export function markedDescription(configName: string, instance: string, registrationId: string): string {
  return `${configName}-${instance} [${registrationId}]`;
}

/** Whether a runner description carries this registration id (whatever instance it names). */
export function hasMarker(description: string | null | undefined, registrationId: string): boolean {
  return typeof description === 'string' && description.endsWith(` [${registrationId}]`);
}

/** A runner that `configure` registered from this data directory but holds no token for. */
export interface OrphanRunner {
  id: number;
  description: string;
}

export interface DeleteOrphansOptions {
  client: GitLabClient;
  /** Where this data directory registers runners: its project(s)' project runners, or its group's. */
  target: RunnerTarget;
  registrationId: string;
  /** Ids of the runners whose tokens are stored: never deleted. */
  storedIds: ReadonlySet<number>;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The runners that may be this data directory's: the project runners of its project (of each of its
 * projects; an orphan of several projects is listed in each), or the group runners of its group.
 */
async function candidates(options: DeleteOrphansOptions): Promise<ListedRunner[]> {
  const { client, target, signal } = options;
  if (target.kind === 'group')
    return client.listGroupRunners(target.group.id, { type: 'group_type', signal });
  const projects = target.kind === 'project' ? [target.project] : target.projects;
  const all = new Map<number, ListedRunner>();
  for (const project of projects)
    for (const runner of await client.listProjectRunners(project.id, { type: 'project_type', signal }))
      all.set(runner.id, runner);
  return [...all.values()];
}

/**
 * Finds the runners of the config's project(s) or group that carry this data directory's registration id
 * but whose token is not stored — left behind when `configure` was killed, or lost GitLab's answer, after GitLab created the
 * runner — and deletes them (404: already gone). Must run with the tokens lock held, so that no runner
 * being registered right now is taken for an orphan. Returns the runners deleted; a failed listing or
 * deletion is logged and left for the next `configure`.
 */
export async function deleteOrphanRunners(options: DeleteOrphansOptions): Promise<OrphanRunner[]> {
  const logger = options.logger ?? silentLogger;
  const { client, signal } = options;
  let listed: ListedRunner[];
  try {
    listed = await candidates(options);
  } catch (error) {
    logger.warn(`cannot list the runners to find orphans: ${(error as Error).message}`);
    return [];
  }
  const deleted: OrphanRunner[] = [];
  for (const runner of listed) {
    if (!hasMarker(runner.description, options.registrationId) || options.storedIds.has(runner.id)) continue;
    const description = runner.description ?? '';
    try {
      // An orphan may have been enabled in more projects already: those are left first.
      await removeRunner(client, runner.id, signal, logger);
    } catch (error) {
      if (!isNotFound(error)) {
        logger.warn(
          `cannot delete orphan runner ${runner.id} (${description}): ${(error as Error).message}`,
          {
            runner: runner.id,
          },
        );
        continue;
      }
    }
    deleted.push({ id: runner.id, description });
    logger.warn(
      'deleted a runner registered from this data directory whose token was never stored (configure was stopped, or lost the answer of GitLab, while GitLab created it)',
      { runner: runner.id, description },
    );
  }
  return deleted;
}
