// The executor against every release the stand-in plays (STAND_IN_VERSIONS): the flags each release accepts,
// its variable prefix, registry logins, HOME, --no-eval, signals and a refused --writable-tmpfs, all through
// `mr-apptainer-executor` as gitlab-runner starts it.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJobSession,
  customExecutor,
  type DriverJob,
  installStandInApptainer,
  makeTempDir,
  removeTempDirs,
  STAND_IN_VERSIONS,
  type StandInApptainerOptions,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { writeExecutorBin } from '../test/executor-bin.js';

afterAll(removeTempDirs);

const q = (s: string) => JSON.stringify(s);

async function setup(standIn: StandInApptainerOptions, toml = '') {
  const dir = makeTempDir();
  const apptainer = installStandInApptainer(dir, standIn);
  const bin = await writeExecutorBin(dir);
  const config = join(dir, 'executor.toml');
  writeFileSync(
    config,
    [
      `builds_dir = ${q(join(dir, 'builds'))}`,
      `image_dir = ${q(join(dir, 'images'))}`,
      `apptainer_executable = ${q(apptainer.path)}`,
      'pass_env = ["MY_*"]',
      toml,
    ].join('\n'),
  );
  const executor = customExecutor(bin, ['--config', config]);
  const session = (job: DriverJob, env: Record<string, string> = {}) =>
    createJobSession(executor, job, {
      tmpRoot: dir,
      env: { XDG_CACHE_HOME: join(dir, 'xdg-cache'), ...env },
    });
  return { dir, apptainer, session };
}

const prefixOf = (version: string) => (version.startsWith('apptainer') ? 'APPTAINER' : 'SINGULARITY');
// --no-eval: apptainer 1.1+, SingularityCE 3.10+ (see the stand-in for the sources).
const hasNoEval = (version: string) =>
  /^apptainer 1\.([1-9]|\d\d)/.test(version) || /^singularity-ce (3\.1\d|4)/.test(version);

describe('the executor across container tool releases', { timeout: 120_000 }, () => {
  it.each(STAND_IN_VERSIONS)('runs a job with %s', async (version) => {
    const prefix = prefixOf(version);
    const t = await setup({ version, auth: { 'registry.example.com': 'ci-user:Reg1stryPassw0rd' } });
    const job = t.session(
      {
        id: 300,
        image: 'registry.example.com/org/app:1',
        credentials: [{ url: 'registry.example.com', username: 'ci-user', password: 'Reg1stryPassw0rd' }],
      },
      { MY_VALUE: '$(echo evaluated) "quoted"' },
    );
    expect((await job.config()).exitCode).toBe(0);
    const prepare = await job.prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    expect(prepare.stderr).toContain(`Using ${version} (${t.apptainer.path})`);
    const [pull] = t.apptainer.pulls();
    expect(pull).toMatchObject({ envLogin: true, disableCache: true });
    expect(pull!.env).toEqual(
      expect.arrayContaining([`${prefix}_DOCKER_USERNAME`, `${prefix}_DOCKER_PASSWORD`]),
    );

    const run = await job.run(
      'build_script',
      [
        'printf "home=%s\\n" "$HOME"',
        'mkdir -p "$HOME/.cache/pip" && echo saved > "$HOME/.npmrc" && cat "$HOME/.npmrc"',
        'printf "value=%s\\n" "$MY_VALUE"',
      ].join('\n'),
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const jobHome = join(job.result.buildsDir!, '.mr-home');
    expect(run.stdout).toContain(`home=${jobHome}\n`);
    expect(run.stdout).toContain('saved\n');
    // Without --no-eval the release shell-evaluates passed values; with it they arrive verbatim.
    expect(run.stdout).toContain(
      hasNoEval(version) ? 'value=$(echo evaluated) "quoted"\n' : 'value=evaluated quoted\n',
    );
    const [exec] = t.apptainer.execs();
    expect(exec!.flags!.includes('--no-eval')).toBe(hasNoEval(version));
    expect(exec!.env).toContain(`${prefix}ENV_MY_VALUE`);

    // A script ended by a signal: the tool re-raises it, the job reports 128 + its number.
    const aborted = await job.run('build_script', 'kill -ABRT $$');
    expect(aborted.exitCode).toBe(1);
    expect(job.jobExitCode()).toBe(134);

    expect((await job.cleanup()).exitCode).toBe(0);
    expect(existsSync(jobHome)).toBe(false);
  });

  it.each(['apptainer 1.3.6', 'singularity-ce 4.1.5', 'singularity 3.8.7'])(
    'reports a refused --writable-tmpfs on %s as a system failure that says how to turn it off',
    async (version) => {
      const refused = await setup({ version, overlay: false });
      const job = refused.session({ id: 301, image: 'alpine:3.20' });
      expect((await job.prepare()).exitCode).toBe(0);
      const run = await job.run('build_script', 'echo never');
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain("--writable-tmpfs requires 'enable overlay = yes'");
      expect(run.stderr).toContain('refused --writable-tmpfs');
      expect(run.stderr).toContain('hint: Set writable_tmpfs = false');

      const off = await setup({ version, overlay: false }, 'writable_tmpfs = false');
      const ok = off.session({ id: 302, image: 'alpine:3.20' });
      expect((await ok.prepare()).exitCode).toBe(0);
      const fine = await ok.run('build_script', 'echo fine');
      expect(fine.exitCode, fine.stderr).toBe(0);
      expect(off.apptainer.execs()[0]!.flags).not.toContain('--writable-tmpfs');
    },
  );

  it('gives the job the user\'s home with home = "user", and none with home = "none"', async () => {
    const user = await setup({}, 'home = "user"');
    const withUser = user.session({ id: 303, image: 'alpine:3.20' });
    await withUser.prepare();
    const run = await withUser.run('build_script', 'printf "home=%s\\n" "$HOME"; test -d "$HOME"');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`home=${process.env.HOME}\n`);

    const none = await setup({}, 'home = "none"');
    const without = none.session({ id: 304, image: 'alpine:3.20' });
    await without.prepare();
    const missing = await without.run('build_script', 'test -d "$HOME" || { echo "no home"; exit 3; }');
    expect(missing.stdout).toContain('no home');
    expect(without.jobExitCode()).toBe(3);
    expect(none.apptainer.execs()[0]!.flags).toContain('--no-home');
  });

  it.each(['singularity-ce 3.8.4', 'singularity 3.6.4', 'apptainer 0.9.0'])(
    'refuses %s with a system failure naming the release',
    async (version) => {
      const t = await setup({ version });
      const job = t.session({ id: 305, image: 'alpine:3.20' });
      const prepare = await job.prepare();
      expect(prepare.exitCode).toBe(2);
      expect(prepare.stderr).toContain(`is ${version}, which the executor does not support`);
      expect(t.apptainer.pulls()).toEqual([]);
    },
  );

  it("pulls without apptainer's layer cache by default, with it when image_layer_cache = true; prepare removes stale tmp-copy-* files", async () => {
    const t = await setup({ version: 'apptainer 1.3.6' }, 'image_layer_cache = true');
    const images = join(t.dir, 'images');
    mkdirSync(images, { recursive: true });
    const stale = join(images, 'tmp-copy-2412345');
    writeFileSync(stale, 'partial');
    const hoursAgo = new Date(Date.now() - 3 * 3_600_000);
    utimesSync(stale, hoursAgo, hoursAgo);
    const prepare = await t.session({ id: 307, image: 'alpine:3.20' }).prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    expect(prepare.stderr).toContain('Removed tmp-copy-2412345, left by a pull that did not finish');
    expect(existsSync(stale)).toBe(false);
    expect(t.apptainer.pulls()[0]).toMatchObject({ disableCache: false });
  });

  it('takes the Docker Hub login from DOCKER_AUTH_CONFIG under its v1 key', async () => {
    const t = await setup({ version: 'apptainer 1.0.3', auth: { 'docker.io': 'hub-user:HubPassw0rd' } });
    const auth = Buffer.from('hub-user:HubPassw0rd').toString('base64');
    const job = t.session({
      id: 306,
      image: 'myorg/private:1',
      variables: {
        DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth } } }),
      },
    });
    const prepare = await job.prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    expect(prepare.stderr).toContain('logging in to docker.io with $DOCKER_AUTH_CONFIG');
    expect(t.apptainer.pulls()[0]).toMatchObject({ registry: 'docker.io', envLogin: true });
  });
});
