import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { join } from 'node:path';
import { installStandInApptainer, makeTempDir, removeTempDirs, runCli, writeDevBin } from '@mr/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type GitLabSimulator, type SimulatorOptions, startSimulator } from '@mr/gitlab-simulator';

const simulators: GitLabSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

interface Instance {
  tags: string[];
  run_untagged?: boolean;
}

/** A data directory, a config file for a simulator, and a way to run `configure` with them. */
async function setup(instances: Record<string, Instance>, options: SimulatorOptions = {}) {
  const sim = await startSimulator(options);
  simulators.push(sim);
  const dir = makeTempDir();
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'config.toml');
  const env = { GITLAB_TOKEN: sim.token, HOME: dir };
  const write = (current: Record<string, Instance>, extra = '') => {
    const runners = Object.entries(current)
      .map(
        ([name, i]) =>
          `[runners.${name}]\ntags = ${JSON.stringify(i.tags)}\n${i.run_untagged === undefined ? '' : `run_untagged = ${i.run_untagged}\n`}`,
      )
      .join('\n');
    writeFileSync(
      configFile,
      `name = "meta"\nproject = "group/project"\nhostname = "${sim.url}"\nmanagement_token = "$GITLAB_TOKEN"\n${extra}\n${runners}\n[poll]\ninterval = 30\n\n[launch]\nexecutable = "sbatch"\n\n[runner]\nbuilds_dir = "$HOME/builds/$NAME"\ncache_dir = "$HOME/cache"\n`,
    );
  };
  write(instances);
  const configure = (extraEnv: Record<string, string> = {}) =>
    runCli(['configure', '--config-file', configFile, '--data-dir', dataDir], {
      env: { ...env, ...extraEnv },
    });
  return {
    sim,
    dir,
    dataDir,
    write,
    configure,
    tokensFile: join(dataDir, 'meta.tokens'),
    generatedFile: join(dataDir, 'meta.gitlab-config.toml'),
  };
}

/** The tokens file as `instance → { id, token, ... }` (a small reader for the flat TOML it is). */
function readTokensFile(
  file: string,
): Record<string, { id: number; token: string; token_expires_at?: string }> {
  const tokens: Record<string, Record<string, unknown>> = {};
  let current: Record<string, unknown> | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const section = /^\[("?)([^"\]]+)\1\]$/.exec(line.trim());
    if (section) tokens[section[2]!] = current = {};
    const pair = /^(\w+) = (.*)$/.exec(line.trim());
    if (pair && current)
      current[pair[1]!] = pair[2]!.startsWith('"') ? JSON.parse(pair[2]!) : Number(pair[2]);
  }
  return tokens as never;
}

const mode = (file: string) => statSync(file).mode & 0o777;

/** Every runner the simulator has must have its token on disk: nothing GitLab handed out is lost. */
function expectNoLostToken(sim: GitLabSimulator, tokensFile: string) {
  const stored = Object.values(readTokensFile(tokensFile));
  for (const runner of sim.runners()) {
    expect(stored).toContainEqual(expect.objectContaining({ id: runner.id, token: runner.token }));
  }
}

function expectNoSecrets(output: string, sim: GitLabSimulator) {
  expect(output).not.toContain(sim.token);
  for (const runner of sim.runners()) expect(output).not.toContain(runner.token);
  expect(output).not.toMatch(/glrt-/);
}

describe('configure', () => {
  it('registers one runner per instance, then only updates; stores tokens, config and system id as 0600 files', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu', 'cuda'], run_untagged: true } });
    const first = await t.configure();
    expect(first.stderr).not.toMatch(/warning|error/);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^created: cpu, gpu\n/);
    expectNoSecrets(first.stdout + first.stderr, t.sim);

    const runners = t.sim.runners();
    expect(runners).toEqual([
      expect.objectContaining({
        description: expect.stringMatching(/^meta-cpu \[mr-[0-9a-f]{12}\]$/),
        tags: ['cpu'],
        runUntagged: false,
        locked: true,
        paused: false,
      }),
      expect.objectContaining({
        description: expect.stringMatching(/^meta-gpu \[mr-[0-9a-f]{12}\]$/),
        tags: ['gpu', 'cuda'],
        runUntagged: true,
        locked: true,
      }),
    ]);
    const tokens = readTokensFile(t.tokensFile);
    expect(tokens.cpu).toMatchObject({ id: runners[0]!.id, token: runners[0]!.token });
    expect(tokens.gpu).toMatchObject({ id: runners[1]!.id, token: runners[1]!.token });
    const generated = readFileSync(t.generatedFile, 'utf8');
    expect(generated).toContain(`token = "${runners[0]!.token}"`);
    expect(generated).toContain(`url = "${t.sim.url}"`);
    const systemIdFile = join(t.dataDir, '.runner_system_id');
    const systemId = readFileSync(systemIdFile, 'utf8').trim();
    expect(systemId).toMatch(/^s_[0-9a-f]{12}$/);
    for (const file of [t.tokensFile, t.generatedFile, systemIdFile]) expect(mode(file)).toBe(0o600);
    expect(mode(t.dataDir)).toBe(0o700);

    const creates = t.sim.requestCount('POST /user/runners');
    const second = await t.configure();
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/^updated: cpu, gpu\n/);
    expect(t.sim.requestCount('POST /user/runners')).toBe(creates);
    expect(readTokensFile(t.tokensFile)).toEqual(tokens);
    expect(readFileSync(systemIdFile, 'utf8').trim()).toBe(systemId);
    expect(readdirSync(t.dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("writes gitlab-runner's own [runner] keys into the generated config, under gitlab-runner's names", async () => {
    const t = await setup({ cpu: { tags: ['cpu'] } });
    const configFile = join(t.dir, 'config.toml');
    writeFileSync(
      configFile,
      `${readFileSync(configFile, 'utf8')}shell = "bash"\n[runner.custom]\nprepare_exec_timeout = 7200\ngraceful_kill_timeout = 60\n[runner.custom_build_dir]\nenabled = true\n[runner.feature_flags]\nFF_USE_FASTZIP = true\n`,
    );
    const result = await t.configure();
    expect(result.exitCode).toBe(0);
    const runner = (
      parseToml(readFileSync(t.generatedFile, 'utf8')) as { runners: Record<string, unknown>[] }
    ).runners[0];
    expect(runner).toMatchObject({
      shell: 'bash',
      custom: { prepare_exec_timeout: 7200, graceful_kill_timeout: 60 },
      custom_build_dir: { enabled: true },
      feature_flags: { FF_USE_FASTZIP: true },
    });
  });

  it('follows the config: changed tags are updated, new instances registered, removed ones deleted', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } });
    expect((await t.configure()).exitCode).toBe(0);
    const gpu = readTokensFile(t.tokensFile).gpu!;
    t.write({ cpu: { tags: ['cpu', 'avx512'], run_untagged: true }, big: { tags: ['bigmem'] } });
    const result = await t.configure();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^created: big\nupdated: cpu\ndeleted: gpu\n/);
    expect(t.sim.runner(gpu.id)).toBeUndefined();
    const marker = readFileSync(join(t.dataDir, 'meta.registration-id'), 'utf8').trim();
    expect(t.sim.runners().map((r) => [r.description, r.tags, r.runUntagged])).toEqual([
      [`meta-cpu [${marker}]`, ['cpu', 'avx512'], true],
      [`meta-big [${marker}]`, ['bigmem'], false],
    ]);
    expect(Object.keys(readTokensFile(t.tokensFile)).sort()).toEqual(['big', 'cpu']);
    expect(readFileSync(t.generatedFile, 'utf8')).not.toContain('name = "gpu"');
  });

  it('registers again a runner deleted in GitLab (404 on update), and forgets one already deleted (404 on delete)', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] }, gpu: { tags: ['gpu'] } });
    expect((await t.configure()).exitCode).toBe(0);
    const before = readTokensFile(t.tokensFile);
    t.sim.removeRunner(before.cpu!.id);
    t.sim.removeRunner(before.gpu!.id);
    t.write({ cpu: { tags: ['cpu'] } });
    const result = await t.configure();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^registered again \(deleted in GitLab\): cpu\ndeleted: gpu\n/);
    const after = readTokensFile(t.tokensFile);
    expect(Object.keys(after)).toEqual(['cpu']);
    expect(after.cpu!.id).not.toBe(before.cpu!.id);
    expectNoLostToken(t.sim, t.tokensFile);
  });

  it('keeps every token it got when the Nth registration fails, exits 1, and completes on the next run', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const t = await setup(Object.fromEntries(names.map((n) => [n, { tags: [n] }])));
    t.sim.inject({ endpoint: 'POST /user/runners', nth: 3, status: 500 });
    const result = await t.configure();
    expect(result.exitCode).toBe(1);
    const failed =
      /^failed: (\w) \(create\): GitLab answered 500 Internal Server Error to POST \/api\/v4\/user\/runners/m.exec(
        result.stdout,
      );
    expect(failed).not.toBeNull();
    expect(result.stdout).toMatch(/^ {2}hint: GitLab \(or a proxy in front of it\) failed/m);
    expect(t.sim.runners()).toHaveLength(4);
    const tokens = readTokensFile(t.tokensFile);
    expect(Object.keys(tokens).sort()).toEqual(names.filter((n) => n !== failed![1]));
    expectNoLostToken(t.sim, t.tokensFile);
    expect(mode(t.tokensFile)).toBe(0o600);
    // The generated config holds the registered instances and says which one is missing.
    expect(readFileSync(t.generatedFile, 'utf8').match(/^\[\[runners\]\]/gm)).toHaveLength(4);
    expect(result.stderr).toContain(`runner instance "${failed![1]}" has no token yet`);
    expectNoSecrets(result.stdout + result.stderr, t.sim);

    const again = await t.configure();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^created: ${failed![1]}\\nupdated: `));
    expect(Object.keys(readTokensFile(t.tokensFile))).toHaveLength(5);
  });

  it('loses no token when killed during configure', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const t = await setup(Object.fromEntries(names.map((n) => [n, { tags: [n] }])));
    // The first registration is answered; the next ones hang until the process is killed.
    t.sim.inject({ endpoint: 'POST /user/runners', nth: 2, times: Number.POSITIVE_INFINITY, hang: true });
    const child = t.configure();
    // Four requests run at once; the fifth starts only after the first token is on disk.
    await t.sim.waitFor(() => t.sim.requestCount('POST /user/runners') >= 5, {
      timeoutMs: 30_000,
      description: 'the fifth registration request',
    });
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const [runner] = t.sim.runners();
    expect(t.sim.runners()).toHaveLength(1);
    const tokens = readTokensFile(t.tokensFile);
    expect(Object.values(tokens)).toEqual([
      expect.objectContaining({ id: runner!.id, token: runner!.token }),
    ]);
    expect(mode(t.tokensFile)).toBe(0o600);

    t.sim.clearFaults();
    const again = await t.configure();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^created: (\w, ){4}\w\nupdated: \w\n/);
    expect(t.sim.runners()).toHaveLength(6);
    expectNoLostToken(t.sim, t.tokensFile);
  });

  it('fails with exit 1 and a hint, changing nothing, when GitLab refuses the management token', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] } });
    const result = await t.configure({ GITLAB_TOKEN: 'glpat-not-the-right-one' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: GitLab answered 401 Unauthorized to GET \/api\/v4\/projects\/group%2Fproject/m,
    );
    expect(result.stderr).toMatch(/^hint: .*management_token/m);
    expect(result.stderr).not.toContain('glpat-not-the-right-one');
    expect(existsSync(t.tokensFile)).toBe(false);
  });

  it('exits 1, not 2, when runners were registered but their tokens cannot be stored', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] } });
    // While GitLab registers the runner, the tokens file becomes impossible to replace (a directory).
    const breakTokensFile = (r: { endpoint: string }) => {
      if (r.endpoint !== 'POST /user/runners') return;
      rmSync(t.tokensFile, { force: true });
      mkdirSync(t.tokensFile);
    };
    t.sim.on('request', breakTokensFile);
    const result = await t.configure();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot store runner tokens/m);
    expect(result.stderr).toContain('was registered, but its token could not be stored');
    expect(result.stderr).toMatch(/^hint: .*configure again: it deletes the runners named above/m);
    const [orphan] = t.sim.runners();

    // Once the file can be written again, configure deletes the runner it could not keep and registers anew.
    t.sim.off('request', breakTokensFile);
    rmSync(t.tokensFile, { recursive: true });
    const again = await t.configure();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(
      `deleted orphan runners (registered, token never stored): ${orphan!.id} (meta-cpu [`,
    );
    expect(t.sim.runner(orphan!.id)).toBeUndefined();
    expect(t.sim.runners()).toHaveLength(1);
    expectNoLostToken(t.sim, t.tokensFile);
  });

  it('stops with exit 2 before any request when [runner] cannot be instantiated', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] } });
    t.write({ cpu: { tags: ['cpu'] } });
    writeFileSync(
      join(t.dir, 'config.toml'),
      readFileSync(join(t.dir, 'config.toml'), 'utf8').replace('$HOME/cache', '$NO_SUCH_VARIABLE/cache'),
    );
    const result = await t.configure();
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('NO_SUCH_VARIABLE');
    expect(t.sim.requestCount()).toBe(0);
  });

  it('writes a gitlab-runner config that gitlab-runner run-single can take jobs with', async () => {
    const t = await setup({ cpu: { tags: ['cpu'] } });
    t.write({ cpu: { tags: ['cpu'] } }, `[executor]\nimage_dir = "${join(t.dir, 'images')}"\n`);
    expect((await t.configure()).exitCode).toBe(0);
    const [job] = t.sim.addJobs([
      { tags: ['cpu'], image: 'alpine:3.20', script: ['echo "configured-$((6*7))"'] },
    ]);
    const gitlabRunner = writeDevBin(t.dir, 'mr-gitlab-runner-standin', 'gitlab-runner');
    // The stand-in runs the job through the generated [runners.custom] commands, so our executor runs and
    // needs a container tool: the stand-in apptainer, first on PATH.
    installStandInApptainer(t.dir);
    const args = [
      'run-single',
      '--config',
      t.generatedFile,
      '--runner',
      'cpu',
      '--max-builds',
      '1',
      '--wait-timeout',
      '10',
    ];
    const exitCode = await new Promise<number | null>((resolve) => {
      execFile(gitlabRunner, args, { env: { PATH: `${t.dir}:${process.env.PATH}`, HOME: t.dir } }, (error) =>
        resolve(error ? (typeof error.code === 'number' ? error.code : null) : 0),
      );
    });
    expect(exitCode).toBe(0);
    expect(t.sim.job(job!.id), t.sim.jobTrace(job!.id)).toMatchObject({
      status: 'success',
      runnerId: readTokensFile(t.tokensFile).cpu!.id,
    });
    expect(t.sim.jobTrace(job!.id)).toContain('configured-42');
    expect(t.sim.runner(readTokensFile(t.tokensFile).cpu!.id)!.systemId).toBe(
      readFileSync(join(t.dataDir, '.runner_system_id'), 'utf8').trim(),
    );
  });
});
