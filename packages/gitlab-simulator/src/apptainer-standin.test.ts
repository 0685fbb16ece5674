// The apptainer stand-in's PID namespace (`exec --pid`), release by release, on the host and isolated with
// bubblewrap: what dies with the command, what a signal to the tool or a SIGKILL of its process group does.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTempDirs } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installStandInApptainer,
  STAND_IN_VERSIONS,
  type StandInApptainerOptions,
  writeStandInImage,
} from './apptainer-standin.js';
import { buildBusyboxRootfs, isolationUnavailable } from './image-registry.js';

afterAll(removeTempDirs);

let seconds = 7_000_000;
/** A `sleep` with a duration no other process has, to find it in /proc by its command line. */
const uniqueSleep = () => `sleep ${++seconds}`;

/** The live (not zombie) processes whose command line is exactly `command`. */
function running(command: string): number[] {
  const wanted = `${command.split(' ').join('\0')}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') !== wanted) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return pids;
}

const started: string[] = [];
afterAll(() => {
  for (const command of started) for (const pid of running(command)) process.kill(pid, 'SIGKILL');
});

async function until(check: () => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Exec {
  child: ChildProcess;
  output: () => string;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `apptainer exec <flags> IMAGE sh -c SCRIPT`, in a process group of its own as gitlab-runner starts steps. */
function exec(
  path: string,
  dir: string,
  flags: string[],
  script: string,
  env: Record<string, string> = {},
): Exec {
  const image = join(dir, 'image.sif');
  if (!existsSync(image)) writeStandInImage(image, 'docker://docker.io/library/alpine:3.20');
  const child = spawn(path, ['exec', ...flags, '--bind', dir, image, '/bin/sh', '-c', script], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, ended };
}

/**
 * Three processes a command leaves: one in its process group, one double-forked, one in a new session. The
 * script goes on once all three run (each touches a file in `dir`, then becomes its `sleep`).
 */
function leftovers(dir: string) {
  const names = { inGroup: uniqueSleep(), daemon: uniqueSleep(), session: uniqueSleep() };
  started.push(...Object.values(names));
  const flag = (n: string) => join(dir, `started-${n.split(' ')[1]}`);
  const start = (n: string) => `sh -c 'touch ${flag(n)}; exec ${n}' </dev/null >/dev/null 2>&1`;
  const script = [
    `${start(names.inGroup)} &`,
    `( ${start(names.daemon)} & )`,
    `setsid ${start(names.session)} &`,
    `until [ -e ${flag(names.inGroup)} ] && [ -e ${flag(names.daemon)} ] && [ -e ${flag(names.session)} ]; do sleep 0.02; done;`,
  ].join('\n');
  const all = () => Object.values(names).every((n) => running(n).length === 1);
  const alive = () => Object.fromEntries(Object.entries(names).map(([k, n]) => [k, running(n).length]));
  return { names, script, all, alive };
}

const isolation = isolationUnavailable();

/** The stand-in on the host, and (where bubblewrap and a static busybox are installed) isolated. */
const modes: Array<[string, (dir: string) => StandInApptainerOptions]> = [['on the host', () => ({})]];
if (!isolation)
  modes.push(['isolated', (dir) => ({ isolatedRootfs: buildBusyboxRootfs(join(dir, 'rootfs')) })]);
if (isolation) console.warn(`apptainer-standin.test.ts: isolated runs skipped: ${isolation}`);

describe.each(modes)('the apptainer stand-in %s', (_, options) => {
  it('kills what the command left running when it ends with --pid, and leaves it without', async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, options(dir));
    for (const pid of [true, false]) {
      const left = leftovers(dir);
      const run = exec(tool.path, dir, pid ? ['--pid'] : [], `${left.script}\nexit 3`);
      const { code } = await run.ended;
      expect(code, run.output()).toBe(3);
      // The leftovers ran before the command ended; with the namespace, they are gone when the tool is.
      if (pid) expect(left.alive()).toEqual({ inGroup: 0, daemon: 0, session: 0 });
      else await until(left.all, 'the leftovers to run on');
      expect(tool.execs().at(-1)?.pidNamespace).toBe(pid);
    }
  });

  it('with --pid, a SIGKILL of the process group takes every process of the container at once', async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, options(dir));
    for (const pid of [true, false]) {
      const left = leftovers(dir);
      const run = exec(tool.path, dir, pid ? ['--pid'] : [], `${left.script}\nsleep 600`);
      await until(left.all, 'the leftovers');
      process.kill(-run.child.pid!, 'SIGKILL');
      await run.ended;
      // What the kill takes dies at once; what it does not take is still there after that wait.
      await until(() => left.alive().inGroup === 0 && left.alive().daemon === 0, 'the group to die', 5_000);
      if (pid) await until(() => left.alive().session === 0, 'the namespace to die', 5_000);
      else expect(left.alive().session).toBe(1);
    }
  });

  it("passes SIGTERM to the command, whose handler runs, and exits with the command's status", async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, options(dir));
    for (const target of ['group', 'tool'] as const) {
      const ready = join(dir, `ready-${target}`);
      const run = exec(
        tool.path,
        dir,
        ['--pid'],
        `trap 'echo "got-TERM-$((40+3))"; exit 143' TERM; : > ${ready}; while :; do sleep 0.1; done`,
      );
      await until(() => existsSync(ready), 'the trap');
      process.kill(target === 'group' ? -run.child.pid! : run.child.pid!, 'SIGTERM');
      const ended = await run.ended;
      expect(ended, `${run.output()}\n${readFileSync(tool.logFile, 'utf8')}`).toEqual({
        code: 143,
        signal: null,
      });
      expect(run.output()).toContain('got-TERM-43');
    }
  });
});

describe('exec --pid of each release', () => {
  it.each(STAND_IN_VERSIONS)('%s', async (version) => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, { version });
    const [family, release = ''] = version.split(' ');
    const [major = 0, minor = 0] = release.split('.').map(Number);
    // Every supported release has --pid; --no-pid exists from apptainer 1.3 and SingularityCE 4.0, and only
    // SingularityCE acts on it.
    const run = exec(tool.path, dir, ['--pid', '--no-init'], 'echo "pid=$$"');
    expect((await run.ended).code, run.output()).toBe(0);
    expect(run.output()).toContain('pid=1\n');
    const hasNoPid =
      family === 'apptainer' ? major > 1 || minor >= 3 : family === 'singularity-ce' && major >= 4;
    const noPid = exec(tool.path, dir, ['--pid', '--no-pid', '--no-init'], 'echo "pid=$$"');
    const ended = await noPid.ended;
    if (!hasNoPid) {
      expect(ended.code).toBe(1);
      expect(noPid.output()).toContain('unknown flag: --no-pid');
    } else {
      expect(ended.code, noPid.output()).toBe(0);
      expect(noPid.output().includes('pid=1\n')).toBe(family === 'apptainer');
    }
    // --containall implies the namespace; so does <PREFIX>_PID.
    const prefix = family === 'apptainer' ? 'APPTAINER' : 'SINGULARITY';
    const implied = exec(tool.path, dir, ['--containall', '--no-init'], 'echo "pid=$$"');
    expect((await implied.ended).code, implied.output()).toBe(0);
    const fromEnv = exec(tool.path, dir, ['--no-init'], 'echo "pid=$$"', { [`${prefix}_PID`]: 'true' });
    expect((await fromEnv.ended).code, fromEnv.output()).toBe(0);
    expect(implied.output()).toContain('pid=1\n');
    expect(fromEnv.output()).toContain('pid=1\n');
    // The init's name: "appinit" from apptainer 1.1, else "sinit".
    const init = exec(tool.path, dir, ['--pid'], 'cat /proc/1/comm');
    expect((await init.ended).code).toBe(0);
    expect(init.output().trim()).toBe(
      family === 'apptainer' && (major > 1 || minor >= 1) ? 'appinit' : 'sinit',
    );
  });

  it('runs without the namespace where apptainer.conf says allow pid ns = no, silently', async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir, { pidNamespace: false });
    const left = leftovers(dir);
    const run = exec(tool.path, dir, ['--pid', '--no-init'], `${left.script}\necho "pid=$$"`);
    expect((await run.ended).code).toBe(0);
    expect(run.output()).not.toContain('pid=1\n');
    expect(run.output()).not.toMatch(/WARNING|ERROR|FATAL/);
    await until(left.all, 'the leftovers to run on');
    expect(tool.execs().at(-1)?.pidNamespace).toBe(false);
  });

  it('exits 128+n for a command killed by signal n in a namespace; re-raises the signal without', async () => {
    const dir = makeTempDir();
    const tool = installStandInApptainer(dir);
    const inNamespace = exec(tool.path, dir, ['--pid'], 'kill -KILL $$');
    expect(await inNamespace.ended).toEqual({ code: 137, signal: null });
    const without = exec(tool.path, dir, [], 'kill -KILL $$');
    expect(await without.ended).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
