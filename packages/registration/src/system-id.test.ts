import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSystemId } from './system-id.js';

afterAll(removeTempDirs);

describe('ensureSystemId', () => {
  it('creates .runner_system_id beside the config in gitlab-runner format, and keeps an existing one', async () => {
    const dir = join(makeTempDir(), 'shared');
    const created = await ensureSystemId(join(dir, 'meta.gitlab-config.toml'));
    expect(created).toMatchObject({ path: join(dir, '.runner_system_id'), created: true });
    expect(created.id).toMatch(/^s_[0-9a-f]{12}$/);
    expect(readFileSync(created.path, 'utf8')).toBe(`${created.id}\n`);
    expect(statSync(created.path).mode & 0o777).toBe(0o600);
    const again = await ensureSystemId(join(dir, 'other.toml'));
    expect(again).toEqual({ ...created, created: false });

    const own = makeTempDir();
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, '.runner_system_id'), 's_0123456789ab\n');
    expect((await ensureSystemId(join(own, 'c.toml'))).id).toBe('s_0123456789ab');
  });
});
