// A `prepare` SIGKILLed during a pull, as gitlab-runner kills it (its process group after
// prepare_exec_timeout or a cancel) or as the OOM killer would (the executor's process alone): no pull of it
// is left running and no image-sized file of it is left in image_dir once the job is cleaned up or another
// prepare of the image took over; the prepares after it pull the image once, never beside its orphan.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { processStat } from '@mr/node-kit/proc';
import { type JobSession, makeTempDir, removeTempDirs, waitUntil } from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { setup } from '../test/bin-setup.js';

afterAll(removeTempDirs);

/** Trials per case; more with MR_PULL_KILL_TRIALS. */
const TRIALS = Number(process.env.MR_PULL_KILL_TRIALS ?? 2);
const IMAGE_BYTES = 4 * 1024 * 1024;

type Kill = 'kill-group' | 'kill-process';
type Order = 'cleanup first' | 'prepares first';

interface Outcome {
  /** After the killed job's cleanup (or, prepares first, once the next prepares are done): its pull runs. */
  orphanRunning: boolean;
  /** An image-sized file in image_dir that is not the image, at that moment. */
  bigLeftover: boolean;
  /** The killed prepare's pull still ran when a later prepare's pull of the same image started. */
  overlap: boolean;
  /** Both later prepares succeeded. */
  bothSucceeded: boolean;
  /** Pulls the two later prepares made. */
  laterPulls: number;
}

/** Whether the stand-in process `pid` (a `pull`) still runs. */
function pullRunning(pid: number): boolean {
  const stat = processStat(pid);
  if (!stat || stat.state === 'Z') return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('pull');
  } catch {
    return false;
  }
}

/** Files of at least a quarter of the image's size under `dir`, other than `except`. */
function bigFiles(dir: string, except: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => path !== except && statSync(path, { throwIfNoEntry: false })?.isFile())
    .filter((path) => statSync(path).size >= IMAGE_BYTES / 4);
}

let ids = 500;

async function trial(kill: Kill, order: Order): Promise<Outcome> {
  const gate = join(makeTempDir(), 'pull-may-end');
  const t = await setup('', { pullGate: gate, imageBytes: IMAGE_BYTES });
  const image = 'ghcr.io/org/big:1';
  const final = t.imageFile(image);
  const session = (): JobSession => t.session({ id: ++ids, image });
  const killed = session();
  expect((await killed.config()).exitCode).toBe(0);
  let child: ChildProcess | undefined;
  const killedPrepare = killed.prepare((c) => {
    child = c;
  });
  // The pull has written half the image and waits at the gate.
  await waitUntil(
    () => t.apptainer.pulls().length === 1 && bigFiles(t.images, final).length > 0,
    60_000,
    'the first pull to be half done',
  );
  const orphan = t.apptainer.pulls()[0]!.pid;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  if (kill === 'kill-group') process.kill(-child!.pid!, 'SIGKILL');
  else child!.kill('SIGKILL');
  await exited;

  const outcome: Outcome = {
    orphanRunning: false,
    bigLeftover: false,
    overlap: false,
    bothSucceeded: false,
    laterPulls: 0,
  };
  const look = () => {
    outcome.orphanRunning ||= pullRunning(orphan);
    outcome.bigLeftover ||= bigFiles(t.images, final).length > 0;
  };
  if (order === 'cleanup first') {
    expect((await killed.cleanup()).exitCode).toBe(0);
    look();
  }
  // Two prepares of the same image at once: one pulls, the other waits for it.
  const later = [session(), session()];
  for (const s of later) expect((await s.config()).exitCode).toBe(0);
  let waiting = 0;
  const prepares = later.map((s) =>
    s.prepare((c) =>
      c.stderr?.on('data', (chunk: Buffer | string) => {
        if (String(chunk).includes('Waiting for')) waiting++;
      }),
    ),
  );
  await waitUntil(() => t.apptainer.pulls().length >= 2 && waiting >= 1, 60_000, 'a new pull and a waiter');
  outcome.overlap = pullRunning(orphan);
  writeFileSync(gate, '');
  const calls = await Promise.all(prepares);
  outcome.bothSucceeded = calls.every((c) => c.exitCode === 0);
  outcome.laterPulls = t.apptainer.pulls().length - 1;
  if (order === 'prepares first') {
    look();
    expect((await killed.cleanup()).exitCode).toBe(0);
    look();
  }
  for (const s of later) await s.cleanup();
  // The killed call itself has ended by now (its orphan held its output open until it was ended).
  await Promise.race([killedPrepare, new Promise((r) => setTimeout(r, 5_000))]);
  if (pullRunning(orphan)) process.kill(orphan, 'SIGKILL');
  return outcome;
}

describe('a prepare SIGKILLed during a pull', () => {
  it.each([
    ['kill-group', 'cleanup first'],
    ['kill-process', 'cleanup first'],
    ['kill-group', 'prepares first'],
    ['kill-process', 'prepares first'],
  ] as const)(
    '%s, %s: leaves no pull running and no image-sized file; the next prepares pull once, never beside it',
    async (kill, order) => {
      const outcomes: Outcome[] = [];
      for (let i = 0; i < TRIALS; i++) outcomes.push(await trial(kill, order));
      const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
      console.log(
        `${kill}, ${order}, ${TRIALS} trials: orphan pull running ${count((o) => o.orphanRunning)}, image-sized leftover ${count((o) => o.bigLeftover)}, pulls at once ${count((o) => o.overlap)}, later prepares both succeeded ${count((o) => o.bothSucceeded)}, later pulls ${outcomes.map((o) => o.laterPulls).join(',')}`,
      );
      expect(outcomes).toEqual(
        Array(TRIALS).fill({
          orphanRunning: false,
          bigLeftover: false,
          overlap: false,
          bothSucceeded: true,
          laterPulls: 1,
        }),
      );
    },
  );
});
