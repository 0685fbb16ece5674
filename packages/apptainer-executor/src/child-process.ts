import { spawn } from 'node:child_process';
import type { Env } from './job-environment.js';
import { processStat } from '@mr/node-kit/proc';
import { descendants, killProcesses, signalAll } from '@mr/node-kit/process-tree';

/** Where the executor's output goes: the job log (gitlab-runner reads both streams). */
export interface ExecutorIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** These are the process's own stdout and stderr: children write to them directly. */
  inherit?: boolean | undefined;
}

export interface RunChildOptions {
  env: Env;
  cwd?: string | undefined;
  io: ExecutorIo;
  /** Aborting forwards the abort reason (a signal name, default SIGTERM) to the child. */
  signal?: AbortSignal | undefined;
  /** After forwarding a signal, wait this long (ms) for the child to end, then SIGKILL it. */
  killTimeout: number;
  /** Called once when a signal is forwarded. */
  onForward?: ((signal: NodeJS.Signals) => void) | undefined;
}

export interface ChildResult {
  /** Exit code; `128 + n` when the child was killed by signal n. */
  code: number;
  /** The signal that killed the child, if any. */
  signal: NodeJS.Signals | null;
  /** Whether the run was cancelled through `signal`. */
  canceled: boolean;
  /** The child's start time (as `processStat` gives it), to tell what it started from what was there. */
  startTime?: string | undefined;
}

/** The number of a signal on this platform (SIGABRT is 6: a script ended by it exits as 134). */
const signalNumber = (name: NodeJS.Signals): number =>
  process.getBuiltinModule('node:os').constants.signals[name] ?? 15;

/** The signal an abort stands for: its reason when that is a signal name, else SIGTERM. */
export function abortSignalName(signal: AbortSignal | undefined): NodeJS.Signals {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason) ? (reason as NodeJS.Signals) : 'SIGTERM';
}

/**
 * Runs a command in the executor's own process group (never detached, so gitlab-runner's signals to the
 * group reach it too), streams its output to `io`, forwards a cancel as a signal and SIGKILLs it after
 * `killTimeout`; after a cancel no process the child started survives it (they are tracked through /proc).
 * Rejects only when the command cannot be started (ENOENT, EACCES).
 */
export function runChild(
  command: string,
  args: readonly string[],
  options: RunChildOptions,
): Promise<ChildResult> {
  const { io, signal } = options;
  if (signal?.aborted) return Promise.resolve({ code: 128 + 15, signal: null, canceled: true });
  const direct = io.inherit === true;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', direct ? 'inherit' : 'pipe', direct ? 'inherit' : 'pipe'],
    });
    const startTime = child.pid === undefined ? undefined : processStat(child.pid)?.startTime;
    if (!direct) {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => io.stdout.write(chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => io.stderr.write(chunk));
    }
    let canceled = false;
    let killTimer: NodeJS.Timeout | undefined;
    // The processes under the child when the cancel came, with their start times (a pid that a new process
    // reused later is not theirs): none of them may outlive the step.
    const tree = new Map<number, string>();
    const remember = (pids: Iterable<number>) => {
      for (const pid of pids) {
        const start = processStat(pid)?.startTime;
        if (start !== undefined && !tree.has(pid)) tree.set(pid, start);
      }
    };
    const treeNow = () =>
      [...tree].filter(([pid, start]) => processStat(pid)?.startTime === start).map(([pid]) => pid);
    const onAbort = () => {
      if (canceled || child.pid === undefined) return;
      canceled = true;
      const name = abortSignalName(signal);
      options.onForward?.(name);
      remember(descendants(child.pid));
      child.kill(name);
      signalAll(treeNow(), name);
      killTimer = setTimeout(() => {
        // Stopped first, so that nothing forks away while it is being killed.
        const root = child.pid!;
        void killProcesses(() => [root, ...descendants(root), ...treeNow()]);
      }, options.killTimeout);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = async () => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // After a cancel, whatever the child left behind (reparented orphans) goes too, and is gone before
      // the step ends.
      if (canceled) await killProcesses(treeNow);
    };
    child.once('error', (error) => {
      void done().then(() => reject(error));
    });
    child.once('close', (code, killedBy) => {
      const byNumber = killedBy ? signalNumber(killedBy) : 0;
      void done().then(() =>
        resolve({ code: code ?? 128 + byNumber, signal: killedBy, canceled, startTime }),
      );
    });
  });
}
