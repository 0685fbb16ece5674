import {
  type FSWatcher,
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type GitLabSimulator, startSimulator } from '@mr/gitlab-simulator';
import { readTokens } from '@mr/runner-config';
import { makeTempDir, removeTempDirs, runCli } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const simulators: GitLabSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

/** Trials of `configure` killed with SIGKILL while GitLab creates a runner. */
const KILL_TRIALS = Number(process.env.MR_ORPHAN_TRIALS ?? 20);

async function simulator(): Promise<GitLabSimulator> {
  const sim = await startSimulator();
  simulators.push(sim);
  return sim;
}

/** A config with instances a and b for `sim`, in a fresh directory; `configure` runs the real bin. */
function workspace(sim: GitLabSimulator) {
  const dir = makeTempDir();
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.toml');
  writeFileSync(
    configFile,
    `name = "meta"\nproject = "group/project"\nhostname = "${sim.url}"\nmanagement_token = "$GITLAB_TOKEN"\n\n[runners.a]\ntags = ["a"]\n\n[runners.b]\ntags = ["b"]\n\n[poll]\ninterval = 30\n\n[runner]\nbuilds_dir = "$HOME/builds/$NAME"\ncache_dir = "$HOME/cache"\n`,
  );
  const configure = (options: { withoutFileOverride?: boolean } = {}) =>
    runCli(['configure', '--config-file', configFile, '--data-dir', dataDir], {
      env: { GITLAB_TOKEN: sim.token, HOME: dir },
      ...options,
    });
  const tokensFile = join(dataDir, 'meta.tokens');
  const marker = () => readFileSync(join(dataDir, 'meta.registration-id'), 'utf8').trim();
  /** The runners in the simulator registered from this data directory. */
  const ours = () => sim.runners().filter((r) => r.description.endsWith(` [${marker()}]`));
  /** Every runner of this data directory has its token stored, and there is one per instance. */
  const expectNoOrphan = async () => {
    const tokens = await readTokens(tokensFile);
    expect(Object.keys(tokens).sort()).toEqual(['a', 'b']);
    expect(
      ours()
        .map((r) => [r.id, r.token])
        .sort(),
    ).toEqual(
      Object.values(tokens)
        .map((t) => [t.id, t.token])
        .sort(),
    );
  };
  return { dir, dataDir, tokensFile, configure, ours, expectNoOrphan };
}

describe('runners created while configure dies or loses the answer', { timeout: 900_000 }, () => {
  it(`are deleted by the next configure: SIGKILL inside the creation window, ${KILL_TRIALS} trials`, async () => {
    const sim = await simulator();
    let orphansLeft = 0;
    let orphansDeleted = 0;
    for (let trial = 1; trial <= KILL_TRIALS; trial++) {
      const w = workspace(sim);
      // GitLab creates the runner of the first or the second registration, then holds its answer.
      const held = sim.inject({
        endpoint: 'POST /user/runners',
        nth: 1 + (trial % 2),
        afterHandling: true,
        hang: true,
      });
      const since = sim.requests.at(-1)?.seq ?? 0;
      const child = w.configure();
      await sim.waitFor(() => sim.requests.some((r) => r.seq > since && r.heldAt !== undefined), {
        timeoutMs: 120_000,
        description: 'a runner created and its answer held',
      });
      child.kill('SIGKILL');
      expect((await child).signal).toBe('SIGKILL');
      held.remove();
      const before = w.ours().length;
      const stored = Object.keys(await readTokens(w.tokensFile).catch(() => ({}))).length;
      orphansLeft += before - stored;

      const again = await w.configure();
      expect(again.exitCode).toBe(0);
      const deleted = /^deleted orphan runners \(registered, token never stored\): (.*)$/m.exec(again.stdout);
      orphansDeleted += deleted ? deleted[1]!.split(', ').length : 0;
      await w.expectNoOrphan();
    }
    console.info(
      `orphan runners: ${KILL_TRIALS} kills inside the creation window left ${orphansLeft} runners without a stored token; the next configure deleted ${orphansDeleted}; 0 remain`,
    );
    // The held runner is an orphan every time; the other one too when the kill came before its token was
    // stored.
    expect(orphansLeft).toBeGreaterThanOrEqual(KILL_TRIALS);
    expect(orphansDeleted).toBe(orphansLeft);
  });

  it('are deleted in the same run when GitLab created the runner but the connection dropped before the answer', async () => {
    const sim = await simulator();
    const trials = 3;
    for (let trial = 1; trial <= trials; trial++) {
      const w = workspace(sim);
      const dropped = sim.inject({ endpoint: 'POST /user/runners', afterHandling: true, drop: true });
      const first = await w.configure();
      expect(dropped.hits).toBe(1);
      expect(first.exitCode).toBe(1);
      const failed = /^failed: (a|b) \(create\)/m.exec(first.stdout)?.[1];
      expect(failed).toBeDefined();
      expect(first.stdout).toMatch(
        new RegExp(
          `^deleted orphan runners \\(registered, token never stored\\): \\d+ \\(meta-${failed} \\[`,
          'm',
        ),
      );
      expect(w.ours()).toHaveLength(1);
      const again = await w.configure();
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^created: ${failed}\n`));
      await w.expectNoOrphan();
    }
  });

  it('registers nothing, and says why, when the data directory is read-only', async () => {
    const sim = await simulator();
    for (let trial = 1; trial <= 3; trial++) {
      const w = workspace(sim);
      mkdirSync(w.dataDir, { recursive: true });
      chmodSync(w.dataDir, 0o555);
      const result = await w.configure({ withoutFileOverride: true });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        /^error: cannot create the tokens lock .*meta\.tokens\.lock: permission denied/m,
      );
      expect(result.stderr).toMatch(/^hint: .*must be writable.*nothing was changed in GitLab/m);
      expect(readdirSync(w.dataDir)).toEqual([]);
    }
    expect(sim.requestCount('POST /user/runners')).toBe(0);
    expect(sim.runners()).toEqual([]);
  });

  it('leaves no temporary token file behind when killed while writing one', async () => {
    const sim = await simulator();
    const trials = 6;
    let leftByKill = 0;
    for (let trial = 1; trial <= trials; trial++) {
      const w = workspace(sim);
      mkdirSync(w.dataDir, { recursive: true });
      const child = w.configure();
      // Kill at the moment a temporary file of the tokens file or the generated config appears.
      let watcher: FSWatcher | undefined;
      await new Promise<void>((resolve) => {
        watcher = watch(w.dataDir, (_event, name) => {
          if (name && /^\.meta\.(tokens|gitlab-config\.toml)\.\d+\.[0-9a-f]+\.tmp$/.test(name)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        void child.then(() => resolve());
      });
      watcher?.close();
      await child;
      const temporary = () => readdirSync(w.dataDir).filter((n) => n.endsWith('.tmp'));
      leftByKill += temporary().length;
      const again = await w.configure();
      expect(again.exitCode).toBe(0);
      expect(temporary()).toEqual([]);
      await w.expectNoOrphan();
    }
    console.info(
      `temporary token files: ${trials} kills while writing left ${leftByKill}; after the next configure 0 remain`,
    );
  });
});
