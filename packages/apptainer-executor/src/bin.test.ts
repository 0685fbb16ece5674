// The standalone `mr-apptainer-executor`, driven exactly as gitlab-runner drives a custom executor, with a
// stand-in apptainer that records its calls.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  makeTempDir,
  processesInGroup,
  removeTempDirs,
  waitUntil,
  writeStandInImage,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { setup } from '../test/bin-setup.js';
import { parseImageReference } from './image-reference.js';

afterAll(removeTempDirs);

const q = (s: string) => JSON.stringify(s);

/** `.driver-stages` lines: "<stage> <where>" with where = host or the image path. */
const stagesRan = (buildsDir: string) =>
  readFileSync(join(buildsDir, '.driver-stages'), 'utf8').trim().split('\n');

// Each job starts the executor as real processes, about ten per job.
describe('mr-apptainer-executor', () => {
  it('runs a whole job: predefined stages on the host, build, step and after_script in the image', async () => {
    const t = await setup((dir) =>
      [
        'description = "Slurm job $SLURM_JOB_ID ($UNKNOWN_AT_JOB_TIME)"',
        'gpu_nvidia = "$USE_GPU"',
        'pass_env = ["MY_*"]',
        'exec_args = ["--compat"]',
        'mount = ["$HOME"]',
        `image_cache_dir = ${q(join(dir, 'layers'))}`,
      ].join('\n'),
    );
    const result = await t.drive(
      {
        id: 101,
        image: 'alpine:3.20',
        stages: [
          'prepare_script',
          'get_sources',
          'restore_cache',
          'download_artifacts',
          'build_script',
          'step_release',
          'after_script',
          'archive_cache',
          'upload_artifacts_on_success',
          'cleanup_file_variables',
        ],
        scripts: {
          build_script: [
            'echo "build in $PWD"',
            'echo "gpu=${STANDIN_GPU:-none} cuda=${CUDA_VISIBLE_DEVICES:-} slurm=${SLURM_JOB_ID:-} mine=${MY_VAR:-} host=${HOST_ONLY:-}"',
          ].join('\n'),
          step_release: 'echo "step_release in ${APPTAINER_CONTAINER:-host}"',
          after_script: 'echo "after_script in ${APPTAINER_CONTAINER:-host}"',
        },
      },
      {
        env: {
          SLURM_JOB_ID: '4242',
          CUDA_VISIBLE_DEVICES: '0,1',
          MY_VAR: 'mine',
          HOST_ONLY: 'secret-host-var',
          USE_GPU: 'true',
        },
      },
    );
    expect(result.outcome, result.log).toBe('success');
    expect(result.config).toEqual({
      builds_dir: join(t.dir, 'builds', '101'),
      cache_dir: join(t.dir, 'cache'),
      builds_dir_is_shared: false,
      hostname: hostname(),
      driver: {
        name: 'Slurm job 4242 ($UNKNOWN_AT_JOB_TIME)',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      },
    });
    const image = t.imageFile('alpine:3.20');
    expect(result.log).toContain(
      `Using image alpine:3.20 = docker://docker.io/library/alpine:3.20, pulled: ${image}`,
    );
    expect(result.calls.map((c) => [c.step, c.stage ?? '', c.exitCode])).toEqual([
      ['config', '', 0],
      ['prepare', '', 0],
      ...[
        'prepare_script',
        'get_sources',
        'restore_cache',
        'download_artifacts',
        'build_script',
        'step_release',
        'after_script',
        'archive_cache',
        'upload_artifacts_on_success',
        'cleanup_file_variables',
      ].map((s) => ['run', s, 0]),
      ['cleanup', '', 0],
    ]);
    expect(result.log).toContain(`build in ${result.projectDir}`);
    expect(result.log).toContain('gpu=nvidia cuda=0,1 slurm=4242 mine=mine host=\n');
    expect(result.log).toContain(`step_release in ${image}`);
    expect(result.log).toContain(`after_script in ${image}`);
    expect(existsSync(result.buildsDir!)).toBe(false);
    const execs = t.apptainer.execs();
    expect(execs).toHaveLength(3);
    for (const exec of execs) {
      expect(exec.flags).toEqual(
        expect.arrayContaining(['--home', '--writable-tmpfs', '--cleanenv', '--no-eval', '--nv', '--compat']),
      );
      expect(exec.binds!.map((b) => b.src)).toEqual(
        expect.arrayContaining([join(t.dir, 'builds', '101'), join(t.dir, 'cache'), process.env.HOME!]),
      );
      expect(exec.binds!.some((b) => exec.command!.at(-1)!.startsWith(`${b.src}/`))).toBe(true);
      expect(exec.pwd).toBe(result.projectDir);
      expect(exec.image).toBe(image);
    }
    const pull = t.apptainer.pulls()[0]!;
    expect(pull.cachedir).toBe(join(t.dir, 'layers'));
    expect(pull.dest!.startsWith(join(t.images, '.tmp-'))).toBe(true);
  });

  it('keeps the stage log: predefined stages on the host by default, in the image with predefined_stages = "image"', async () => {
    for (const where of ['host', 'image'] as const) {
      const t = await setup(`predefined_stages = "${where}"`);
      const session = t.session({ id: 102, image: 'alpine:3.20' });
      expect((await session.config()).exitCode).toBe(0);
      expect((await session.prepare()).exitCode).toBe(0);
      for (const stage of ['get_sources', 'build_script', 'upload_artifacts_on_success']) {
        expect(
          (
            await session.run(
              stage,
              stage === 'build_script'
                ? 'printf "%s %s\\n" build_script "$APPTAINER_CONTAINER" >> "$CI_BUILDS_DIR/.driver-stages"'
                : undefined,
            )
          ).exitCode,
        ).toBe(0);
      }
      const image = t.imageFile('alpine:3.20');
      const predefined = where === 'host' ? 'host' : image;
      expect(stagesRan(session.result.buildsDir!)).toEqual([
        `get_sources ${predefined}`,
        `build_script ${image}`,
        `upload_artifacts_on_success ${predefined}`,
      ]);
      expect((await session.cleanup()).exitCode).toBe(0);
    }
  });

  it("fails the job with the script's own exit code; after_script and the on_failure stages still run", async () => {
    const t = await setup();
    const result = await t.drive(
      {
        id: 103,
        image: 'alpine:3.20',
        stages: [
          'get_sources',
          'build_script',
          'after_script',
          'archive_cache',
          'upload_artifacts_on_success',
        ],
        scripts: { build_script: 'echo failing; exit 42', after_script: 'echo after ran' },
      },
      { buildFailureExitCode: 77, systemFailureExitCode: 78 },
    );
    expect(result.outcome).toBe('failed');
    expect(result.jobExitCode).toBe(42);
    expect(result.calls.map((c) => [c.stage ?? c.step, c.exitCode])).toEqual([
      ['config', 0],
      ['prepare', 0],
      ['get_sources', 0],
      ['build_script', 77],
      ['after_script', 0],
      ['archive_cache_on_failure', 0],
      ['upload_artifacts_on_failure', 0],
      ['cleanup', 0],
    ]);
    expect(result.log).toContain('after ran');
  });

  it("tells a script's exit 255 from apptainer's own failure by the marker written in the container", async () => {
    const t = await setup();
    const session = t.session({ id: 104, image: 'alpine:3.20' });
    await session.config();
    expect((await session.prepare()).exitCode).toBe(0);
    expect((await session.run('build_script', 'exit 255')).exitCode).toBe(1);
    expect(session.jobExitCode()).toBe(255);
    session.env.STANDIN_APPTAINER_FAIL = 'exec';
    const broken = await session.run('build_script', 'echo never');
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('FATAL:   container creation failed');
    expect(broken.stderr).toMatch(/exec failed with code 255 before the job's script started/);
    for (const dir of ['script001', 'script002'])
      expect(readdirSync(join(session.jobTmp, dir))).toEqual(['script.']);
  });

  it('reports infrastructure failures as system failures, so gitlab-runner retries prepare', async () => {
    const pullFails = await setup('', { fail: ['pull'] });
    const result = await pullFails.drive({ id: 105, image: 'alpine:3.20', stages: [] });
    expect(result.outcome).toBe('system_failure');
    expect(result.calls.map((c) => [c.step, c.exitCode])).toEqual([
      ['config', 0],
      ['prepare', 2],
      ['cleanup', 0],
      ['config', 0],
      ['prepare', 2],
      ['cleanup', 0],
      ['config', 0],
      ['prepare', 2],
      ['cleanup', 0],
    ]);
    expect(result.log).toContain('manifest unknown');
    expect(result.log).toContain('error: pulling docker://docker.io/library/alpine:3.20 failed');
    expect(readdirSync(pullFails.images).filter((n) => !n.startsWith('.in-use'))).toEqual([]);

    const missing = await setup();
    writeFileSync(
      missing.config,
      readFileSync(missing.config, 'utf8').replace(
        /apptainer_executable = .*/,
        'apptainer_executable = "/nonexistent/apptainer"',
      ),
    );
    const noTool = await missing.drive({ id: 106, image: 'alpine:3.20', stages: [] }, { prepareAttempts: 1 });
    expect(noTool.outcome).toBe('system_failure');
    expect(noTool.log).toContain('cannot find the container tool "/nonexistent/apptainer"');
    expect(noTool.log).toContain('hint: Install apptainer');

    const never = await setup('pull_policy = "never"');
    const noImage = await never.drive({ id: 107, image: 'alpine:3.20', stages: [] }, { prepareAttempts: 1 });
    expect(noImage.outcome).toBe('system_failure');
    expect(noImage.log).toContain('is not in');
    expect(never.apptainer.pulls()).toEqual([]);

    const bad = await setup('pull_policy = "sometimes"\nkill_timeout = "soon"');
    const badSettings = await bad.drive({ id: 108, image: 'alpine:3.20' }, { prepareAttempts: 1 });
    expect(badSettings.outcome).toBe('system_failure');
    expect(badSettings.calls[0]!.exitCode).toBe(2);
    expect(badSettings.log).toContain(
      `${bad.config}: pull_policy: expected one of "always", "if-not-present", "never", found string "sometimes"`,
    );
    expect(badSettings.log).toContain(`${bad.config}: kill_timeout: expected a duration`);
  });

  it('pulls an image once for 16 concurrent prepares; the others say that they wait', async () => {
    const gate = join(makeTempDir(), 'pull-may-end');
    const t = await setup('', { pullGate: gate });
    const sessions = Array.from({ length: 16 }, (_, i) =>
      t.session({ id: 200 + i, image: 'ghcr.io/org/tool:1' }),
    );
    // The pull ends only once the 15 other prepares have said that they wait (their signal), however
    // slowly 16 processes start on a busy machine.
    const waiting = new Set<number>();
    const prepares = sessions.map((s, i) =>
      s.prepare((child) =>
        child.stderr?.on('data', (chunk: string | Buffer) => {
          if (String(chunk).includes('Waiting for')) waiting.add(i);
        }),
      ),
    );
    await waitUntil(() => waiting.size === 15, 60_000, '15 prepares waiting for the pull');
    writeFileSync(gate, '');
    const calls = await Promise.all(prepares);
    expect(calls.map((c) => c.exitCode)).toEqual(Array(16).fill(0));
    expect(t.apptainer.pulls()).toHaveLength(1);
    const log = calls.map((c) => c.stderr).join('');
    expect(log).toMatch(/Waiting for .* \(pid \d+\) to finish pulling docker:\/\/ghcr.io\/org\/tool:1/);
    expect(log.match(/pulled by another job/g)?.length).toBe(15);
    expect(readdirSync(t.images).filter((n) => !n.startsWith('.in-use'))).toEqual([
      parseImageReference('ghcr.io/org/tool:1').fileName,
    ]);
  });

  it('recovers the pull lock of a dead process', async () => {
    const t = await setup();
    mkdirSync(t.images, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const lock = `${t.imageFile('alpine:3.20')}.lock`;
    writeFileSync(
      lock,
      JSON.stringify({ host: hostname(), pid: dead, token: 'dead', since: 0, purpose: 'pulling' }),
    );
    const session = t.session({ id: 109, image: 'alpine:3.20' });
    const prepare = await session.prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    expect(prepare.stderr).toContain(
      `Removing the stale pull lock of docker://docker.io/library/alpine:3.20 held by ${hostname()} (pid ${dead})`,
    );
    expect(t.apptainer.pulls()).toHaveLength(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps same-named images of two registries apart and sends each registry only its own login', async () => {
    const t = await setup('', {
      auth: {
        'registry.example.com': 'ci-user:Reg1stryPassw0rd',
        'ghcr.io': 'gitlab-ci-token:CiRegistryPassw0rd',
      },
    });
    const jobs = [
      t.session({
        id: 110,
        image: 'registry.example.com/org/app:1',
        credentials: [{ url: 'registry.example.com', username: 'ci-user', password: 'Reg1stryPassw0rd' }],
      }),
      t.session({
        id: 111,
        image: 'ghcr.io/org/app:1',
        variables: {
          CI_REGISTRY: 'ghcr.io',
          CI_REGISTRY_USER: 'gitlab-ci-token',
          CI_REGISTRY_PASSWORD: 'CiRegistryPassw0rd',
        },
      }),
      t.session({
        id: 112,
        image: 'docker.io/org/app:1',
        variables: {
          CI_REGISTRY: 'ghcr.io',
          CI_REGISTRY_USER: 'gitlab-ci-token',
          CI_REGISTRY_PASSWORD: 'CiRegistryPassw0rd',
        },
        credentials: [{ url: 'registry.example.com', username: 'ci-user', password: 'Reg1stryPassw0rd' }],
      }),
    ];
    const outputs: string[] = [];
    for (const job of jobs) {
      const c = await job.prepare();
      expect(c.exitCode, c.stderr).toBe(0);
      outputs.push(c.stdout, c.stderr);
      const run = await job.run('build_script', 'echo ok');
      outputs.push(run.stdout, run.stderr);
    }
    const pulls = t.apptainer.pulls();
    // The login reaches pull as APPTAINER_DOCKER_USERNAME/_PASSWORD (apptainer 1.3 has no --authfile).
    expect(pulls.map((p) => [p.registry, p.envLogin])).toEqual([
      ['registry.example.com', true],
      ['ghcr.io', true],
      ['docker.io', false],
    ]);
    expect(pulls[0]!.env).toEqual(
      expect.arrayContaining(['APPTAINER_DOCKER_PASSWORD', 'APPTAINER_DOCKER_USERNAME']),
    );
    expect(new Set(pulls.map((p) => p.dest)).size).toBe(3);
    for (const p of pulls) expect(p.argv!.join(' ')).not.toMatch(/Passw0rd|--authfile|--docker-/);
    const everything = [readFileSync(t.apptainer.logFile, 'utf8'), ...outputs].join('\n');
    for (const secret of ['Reg1stryPassw0rd', 'CiRegistryPassw0rd']) expect(everything).not.toContain(secret);
    expect(t.apptainer.execs().every((e) => !e.env!.some((n) => n.includes('DOCKER_')))).toBe(true);
  });

  it('cancels a running job: forwards SIGTERM, waits at most kill_timeout, leaves no process behind', async () => {
    const t = await setup('kill_timeout = "1s"');
    for (const [target, script] of [
      ['group', 'echo $$ > "$CI_BUILDS_DIR/script.pid"; sleep 300'],
      ['process', 'echo $$ > "$CI_BUILDS_DIR/script.pid"; sleep 300 & wait'],
      ['process', 'trap "" TERM; echo $$ > "$CI_BUILDS_DIR/script.pid"; while :; do sleep 0.2; done'],
    ] as const) {
      const pidFile = () => join(t.dir, 'builds', '113', 'script.pid');
      const result = await t.drive(
        { id: 113, image: 'alpine:3.20', stages: ['build_script'], scripts: { build_script: script } },
        {
          cancel: {
            stage: 'build_script',
            target,
            when: () => waitUntil(() => existsSync(pidFile()), 20_000, 'the script'),
          },
        },
      );
      expect(result.outcome).toBe('canceled');
      const canceled = result.canceledCall!;
      expect(canceled.signal, `${target}: ${script}`).toBeNull();
      expect(canceled.survivorsAtExit, `${target}: ${script}`).toEqual([]);
      expect(processesInGroup(canceled.pid)).toEqual([]);
      expect(canceled.stderr).toContain('Forwarding SIGTERM');
      expect(result.calls.at(-1)).toMatchObject({ step: 'cleanup', exitCode: 0 });
      expect(existsSync(join(t.dir, 'builds', '113'))).toBe(false);
    }
  });

  it('cleans up twice without complaint, also builds with read-only directories', async () => {
    const t = await setup();
    const session = t.session({ id: 114, image: 'alpine:3.20' });
    await session.config();
    expect((await session.prepare()).exitCode).toBe(0);
    const readOnly = join(session.result.buildsDir!, 'go', 'pkg', 'mod');
    mkdirSync(readOnly, { recursive: true });
    writeFileSync(join(readOnly, 'file'), 'x');
    chmodSync(readOnly, 0o555);
    chmodSync(join(session.result.buildsDir!, 'go', 'pkg'), 0o555);
    expect(existsSync(join(t.images, '.in-use'))).toBe(true);
    expect(readdirSync(join(t.images, '.in-use'))).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      const c = await session.cleanup();
      expect(c.exitCode, c.stderr).toBe(0);
      expect(c.stderr).toBe('');
    }
    expect(existsSync(session.result.buildsDir!)).toBe(false);
    expect(readdirSync(join(t.images, '.in-use'))).toEqual([]);
  });

  it('gives a job without an image the default_image, or fails it with a clear message', async () => {
    const withDefault = await setup('default_image = "docker://ubuntu:24.04"');
    const ok = withDefault.session({ id: 115 });
    const c = await ok.prepare();
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toContain(
      "Using image docker://ubuntu:24.04 (the runner's default_image: the job has none)",
    );
    expect(withDefault.apptainer.pulls()[0]!.source).toBe('docker://docker.io/library/ubuntu:24.04');

    const without = await setup('allowed_images = ["alpine:*"]\nallowed_pull_policies = ["if-not-present"]');
    const none = await without.session({ id: 116 }).prepare();
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('error: the job has no image and this runner has no default_image');
    const notAllowed = await without.session({ id: 117, image: 'busybox' }).prepare();
    expect(notAllowed.exitCode).toBe(1);
    expect(notAllowed.stderr).toContain('image "busybox" is not allowed by this runner');
    // A job variable can override CI_JOB_IMAGE; the job response is what the job really asked for.
    const spoofed = await without
      .session({ id: 123, image: 'alpine:3', variables: { CI_JOB_IMAGE: 'busybox:1' } })
      .prepare();
    expect(spoofed.exitCode, spoofed.stderr).toBe(0);
    expect(spoofed.stderr).toContain('Using image alpine:3 = docker://docker.io/library/alpine:3');
    const policy = await without
      .session({ id: 118, image: { name: 'alpine:3', pull_policy: ['always'] } })
      .prepare();
    expect(policy.exitCode).toBe(1);
    expect(policy.stderr).toContain(
      "the job's image pull_policy (always) is not one of the allowed pull policies (if-not-present)",
    );
    expect(without.apptainer.pulls().map((p) => p.source)).toEqual(['docker://docker.io/library/alpine:3']);
  });

  it("honours the job's pull_policy list: always pulls again, falling back to a present image", async () => {
    const t = await setup('allowed_pull_policies = ["always", "if-not-present"]', { fail: ['pull'] });
    mkdirSync(t.images, { recursive: true });
    writeStandInImage(t.imageFile('alpine:3.20'), 'docker://docker.io/library/alpine:3.20');
    const c = await t
      .session({ id: 119, image: { name: 'alpine:3.20', pull_policy: ['always', 'if-not-present'] } })
      .prepare();
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toContain('trying pull policy "if-not-present"');
    expect(c.stderr).toContain(', present: ');
    expect(t.apptainer.pulls()).toHaveLength(1);
  });

  it('uses singularity with its own variable names, and evicts least recently used images over image_max_size', async () => {
    const t = await setup(`image_tmp_dir = ${q('$TMPDIR/pull-tmp')}\nimage_max_size = "200"`, {
      name: 'singularity',
      imageBytes: 100,
    });
    mkdirSync(t.images, { recursive: true });
    const old = t.imageFile('old:1');
    writeStandInImage(old, 'docker://docker.io/library/old:1', 100);
    const stamp = new Date(Date.now() - 86_400_000);
    utimesSync(old, stamp, stamp);
    const session = t.session({ id: 120, image: 'alpine:3.20' }, { env: { SLURM_NTASKS: '4' } });
    const prepare = await session.prepare();
    expect(prepare.exitCode, prepare.stderr).toBe(0);
    const pull = t.apptainer.pulls()[0]!;
    expect(pull.tool).toBe('singularity');
    expect(pull.tmpdir).toBe(join(session.jobTmp, 'pull-tmp'));
    const run = await session.run('build_script', 'echo "tasks=$SLURM_NTASKS in $SINGULARITY_CONTAINER"');
    expect(run.stdout).toContain(`tasks=4 in ${t.imageFile('alpine:3.20')}`);
    expect(t.apptainer.execs()[0]!.env).toContain('SINGULARITYENV_SLURM_NTASKS');
    // 100 bytes of pulled image + 100 of the old one fit in 200; a third image evicts the old one.
    expect(existsSync(old)).toBe(true);
    const second = await t.session({ id: 121, image: 'busybox:1' }).prepare();
    expect(second.stderr).toMatch(/Evicted image old_1-|Evicted image docker.io_library_old_1-/);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(t.imageFile('alpine:3.20'))).toBe(true);
    expect(statSync(t.imageFile('busybox:1')).size).toBe(100);
  });

  it('exits with $SYSTEM_FAILURE_EXIT_CODE for every failure before the step: old Node, a crash, unreadable settings', async () => {
    const t = await setup();
    const preload = (name: string, code: string) => {
      const file = join(t.dir, name);
      writeFileSync(file, code);
      return file;
    };
    const oldNode = preload(
      'old-node.cjs',
      "Object.defineProperty(process.versions, 'node', { value: '18.20.4' }); Object.defineProperty(process, 'version', { value: 'v18.20.4' });",
    );
    // Loading the executor fails as if a file of the installation were damaged.
    const crash = preload(
      'crash.cjs',
      "const real = process.getBuiltinModule; process.getBuiltinModule = (id) => { if (id === 'node:fs') throw new Error('simulated damage'); return real(id); };",
    );
    const env = {
      ...process.env,
      SYSTEM_FAILURE_EXIT_CODE: '42',
      BUILD_FAILURE_EXIT_CODE: '41',
      CUSTOM_ENV_CI_JOB_ID: '130',
    };
    const cases = [
      [
        ['--config', t.config, 'prepare'],
        { NODE_OPTIONS: `--require ${oldNode}` },
        'needs Node.js 20.19 or newer; this is v18.20.4',
      ],
      [
        ['--config', t.config, 'prepare'],
        { NODE_OPTIONS: `--require ${crash}` },
        'crashed: Error: simulated damage',
      ],
      [['--config', join(t.dir, 'missing.toml'), 'prepare'], {}, 'missing.toml'],
      [['--config', t.dir, 'config'], {}, t.dir],
    ] as const;
    for (const [args, extra, message] of cases) {
      const result = spawnSync(t.bin, args, { encoding: 'utf8', env: { ...env, ...extra } });
      expect(result.status, `${args.join(' ')} ${JSON.stringify(extra)}: ${result.stderr}`).toBe(42);
      expect(result.stderr).toContain(message);
    }
    // The installed command with its bundle missing (a damaged installation).
    mkdirSync(join(t.dir, 'install', 'bin'), { recursive: true });
    const installed = join(t.dir, 'install', 'bin', 'mr-apptainer-executor.cjs');
    copyFileSync(join(import.meta.dirname, '..', 'bin', 'mr-apptainer-executor.cjs'), installed);
    const damaged = spawnSync(process.execPath, [installed, 'prepare'], { encoding: 'utf8', env });
    expect(damaged.status, damaged.stderr).toBe(42);
    expect(damaged.stderr).toContain('mr-apptainer-executor cannot load');
  });

  it('prints its help and version; overrides the config file with options', async () => {
    const t = await setup();
    const session = t.session({ id: 122 });
    session.env.CUSTOM_ENV_CI_JOB_ID = '122';
    const help = spawnSync(t.bin, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(
      'Usage: mr-apptainer-executor [options] config|prepare|run <script> <stage>|cleanup',
    );
    const override = spawnSync(t.bin, ['--config', t.config, '--builds-dir', '/other/builds', 'config'], {
      encoding: 'utf8',
      env: session.env as NodeJS.ProcessEnv,
    });
    expect(JSON.parse(override.stdout)).toMatchObject({ builds_dir: '/other/builds/122' });
    const usage = spawnSync(t.bin, ['--config', t.config, 'run'], {
      encoding: 'utf8',
      env: session.env as NodeJS.ProcessEnv,
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('"run" takes a script path and a stage name');
  });
});
