import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';

/** `.runner_system_id` beside a gitlab-runner config file. */
export function systemIdPath(generatedConfigFile: string): string {
  return join(dirname(generatedConfigFile), '.runner_system_id');
}

/** A runner system id in gitlab-runner's format: `s_` and 12 hexadecimal digits. */
export function newSystemId(): string {
  return `s_${randomBytes(6).toString('hex')}`;
}

/**
 * Makes sure `.runner_system_id` exists beside the generated gitlab-runner config, so that every node that
 * runs `gitlab-runner run-single` with this config shows up in GitLab as the same runner manager. An
 * existing file is kept. Returns the id and whether it was created now.
 */
export async function ensureSystemId(
  generatedConfigFile: string,
): Promise<{ path: string; id: string; created: boolean }> {
  const path = systemIdPath(generatedConfigFile);
  const existing = await readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (existing) return { path, id: existing, created: false };
  const id = newSystemId();
  try {
    await writeFileAtomic(path, `${id}\n`, { mode: 0o600, mkdir: true, overwrite: false });
  } catch (error) {
    // Another node created it at the same moment: use theirs.
    if ((error as { code?: unknown }).code !== 'MR_WRITE_EXISTS') throw error;
    return { path, id: (await readFile(path, 'utf8')).trim(), created: false };
  }
  return { path, id, created: true };
}
