import { execa, type ResultPromise } from 'execa';
import { type BinName, binPath } from './dev-bin.js';

export interface RunBinOptions {
  env?: Record<string, string | undefined>;
  /** Start from an empty environment plus `env` (PATH and HOME are kept). Default true. */
  cleanEnv?: boolean;
  cwd?: string;
  input?: string;
  timeout?: number;
  /**
   * Run without the capabilities that let root read and search any file (through `setpriv` from
   * util-linux), so a root test sees permission errors as a user would, wherever the repository lives.
   */
  withoutFileOverride?: boolean;
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
  const command = [process.execPath, binPath(name), ...args];
  const argv = options.withoutFileOverride
    ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', ...command]
    : command;
  return execa(argv[0]!, argv.slice(1), {
    env: { ...base, ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    input: options.input,
    timeout: options.timeout ?? 120_000,
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
