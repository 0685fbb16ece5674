import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTokens } from '@mr/runner-config';
import { describe, expect, it } from 'vitest';
import { formatConfigureSummary } from './configure-summary.js';
import { hasMarker, markedDescription } from './orphans.js';
import { setup } from './test-fixture.js';

describe('runners registered but never stored', () => {
  it('marks each runner with the data directory registration id, and keeps the mark on update', async () => {
    const t = await setup({ cpu: ['cpu'] });
    await t.run();
    const id = readFileSync(join(t.dataDir, 'meta.registration-id'), 'utf8').trim();
    expect(id).toMatch(/^mr-[0-9a-f]{12}$/);
    expect(t.sim.runners().map((r) => r.description)).toEqual([`meta-cpu [${id}]`]);
    await t.run();
    expect(t.sim.runners().map((r) => r.description)).toEqual([markedDescription('meta', 'cpu', id)]);
    expect(hasMarker(`meta-cpu [${id}]`, id)).toBe(true);
    expect(hasMarker('meta-cpu', id)).toBe(false);
    expect(hasMarker(`meta-cpu [mr-000000000000]`, id)).toBe(false);
  });

  it('deletes, at once, a runner GitLab created when its answer was lost; leaves other runners alone', async () => {
    const t = await setup({ cpu: ['cpu'], gpu: ['gpu'] });
    const foreign = t.sim.addRunner({ description: 'meta-cpu', tags: ['cpu'] });
    const otherDataDir = t.sim.addRunner({ description: 'meta-cpu [mr-0123456789ab]', tags: ['cpu'] });
    t.sim.inject({ endpoint: 'POST /user/runners', afterHandling: true, drop: true });
    const result = await t.run(undefined, 1);
    expect(result.failed.map((f) => [f.instance, f.action])).toEqual([['cpu', 'create']]);
    expect(result.orphansDeleted).toHaveLength(1);
    expect(result.orphansDeleted[0]!.description).toMatch(/^meta-cpu \[mr-[0-9a-f]{12}\]$/);
    expect(formatConfigureSummary(result)).toMatch(
      /^deleted orphan runners \(registered, token never stored\): \d+ \(meta-cpu \[mr-/m,
    );
    const tokens = await readTokens(t.tokensFile);
    expect(
      t.sim
        .runners()
        .map((r) => r.id)
        .sort(),
    ).toEqual([foreign.id, otherDataDir.id, tokens.gpu!.id].sort());

    const again = await t.run();
    expect(again.created).toEqual(['cpu']);
    expect(again.orphansDeleted).toEqual([]);
    expect(t.sim.runners()).toHaveLength(4);
  });

  it('deletes at the start of the next configure a marked runner whose token is not stored', async () => {
    const t = await setup({ cpu: ['cpu'] });
    await t.run();
    const id = readFileSync(join(t.dataDir, 'meta.registration-id'), 'utf8').trim();
    // As left by a configure killed between GitLab's creation and the write of the token.
    const orphan = t.sim.addRunner({ description: `meta-cpu [${id}]`, tags: ['cpu'] });
    const result = await t.run();
    expect(result.orphansDeleted).toEqual([{ id: orphan.id, description: `meta-cpu [${id}]` }]);
    expect(t.sim.runner(orphan.id)).toBeUndefined();
    expect(t.sim.runners()).toHaveLength(1);
  });
});
