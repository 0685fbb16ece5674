import { execa, type ResultPromise } from 'execa';
import { type BinName, binPath } from './dev-bin.js';

export interface RunBinOptions {
  env?: Record<string, string | undefined>;
  /** Start from an empty environment plus `env` (PATH and HOME are kept). Default true. */
  cleanEnv?: boolean;
  cwd?: string;
  input?: string;
  timeout?: number;
  /** Run as this user and group (the test process must be root to change them). */
  uid?: number;
  gid?: number;
}

/** A running bin: a child process that resolves to its result, with string output. */
export type BinProcess = ResultPromise<{
  reject: false;
  stripFinalNewline: false;
  extendEnv: false;
  timeout: number;
  forceKillAfterDelay: number;
}>;

/**
 * Starts a built bin as a real process, the way a user runs it. Resolves (never rejects) with
 * `exitCode`, `stdout`, `stderr` once it ends; the returned promise is also the child process.
 */
export function runBin(name: BinName, args: readonly string[], options: RunBinOptions = {}): BinProcess {
  const base =
    options.cleanEnv === false
      ? process.env
      : { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', TMPDIR: process.env.TMPDIR };
  return execa(process.execPath, [binPath(name), ...args], {
    env: { ...base, ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    input: options.input,
    timeout: options.timeout ?? 120_000,
    uid: options.uid,
    gid: options.gid,
    reject: false,
    stripFinalNewline: false,
    // A test that sends SIGTERM waits for the graceful exit it asserts; execa's default would SIGKILL the
    // bin 5 s after `kill()`, which a busy machine can exceed (seen: `run` killed while it let a launch
    // command finish). A `timeout` still escalates, after this longer grace.
    forceKillAfterDelay: 60_000,
  });
}

/** `runBin('gitlab-meta-runner', args, options)`. */
export function runCli(args: readonly string[], options: RunBinOptions = {}) {
  return runBin('gitlab-meta-runner', args, options);
}
