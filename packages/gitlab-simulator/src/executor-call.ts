import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The `[runners.custom]` commands of a gitlab-runner config. */
export interface CustomExecutorCommands {
  config_exec: string;
  config_args: string[];
  prepare_exec: string;
  prepare_args: string[];
  run_exec: string;
  run_args: string[];
  cleanup_exec: string;
  cleanup_args: string[];
}

/** One call of an executor command and how it ended. */
export interface ExecutorCall {
  step: 'config' | 'prepare' | 'run' | 'cleanup';
  stage?: string;
  argv: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The executor's pid, which is also its process group id. */
  pid: number;
  /** For a cancelled call: the processes of its group still alive when the executor had ended. */
  survivorsAtExit?: number[];
  /** How long the call took, ms. */
  durationMs: number;
}

export interface CallOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Kill the group (SIGKILL) after this long. */
  timeoutMs: number;
  /** Each piece of output as it comes (the job log). */
  onOutput?: (chunk: string) => void;
  /** Ends the call: SIGTERM to its process group, SIGKILL after `gracefulKillTimeoutMs`. */
  signal?: AbortSignal;
  gracefulKillTimeoutMs?: number;
  /** Sees the process as soon as it starts (to follow its output as it comes). */
  onSpawn?: (child: ChildProcess) => void;
  /** Signal the whole process group (gitlab-runner) or only the executor process (to test the difference). */
  killTarget?: 'group' | 'process';
}

/** The ids of the live processes in a process group (Linux /proc). */
export function processesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state ppid pgrp ...; zombies are dead already.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs one executor command as gitlab-runner does: in a process group of its own (helpers/process sets
 * Setpgid), output captured, and on cancel or timeout SIGTERM to the group, then SIGKILL after the grace
 * time (helpers/process/killer_unix.go signals -PID, the group; gitlab-runner v19.4.0).
 */
export function callExecutor(
  step: ExecutorCall['step'],
  argv: readonly string[],
  options: CallOptions,
): Promise<ExecutorCall> {
  const [exec, ...args] = argv as [string, ...string[]];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(exec, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      options.onOutput?.(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      options.onOutput?.(d);
    });
    options.onSpawn?.(child);
    const pgid = child.pid;
    const timers: NodeJS.Timeout[] = [];
    let survivors: number[] | undefined;
    let canceled = false;
    const terminate = () => {
      if (pgid === undefined) return;
      canceled = true;
      kill(options.killTarget === 'process' ? pgid : -pgid, 'SIGTERM');
      timers.push(setTimeout(() => kill(-pgid, 'SIGKILL'), options.gracefulKillTimeoutMs ?? 10_000));
    };
    if (pgid !== undefined) timers.push(setTimeout(() => kill(-pgid, 'SIGKILL'), options.timeoutMs));
    if (options.signal?.aborted) terminate();
    else options.signal?.addEventListener('abort', terminate, { once: true });
    child.once('exit', () => {
      if (canceled && pgid !== undefined) {
        survivors = processesInGroup(pgid);
        // Whatever the executor left behind goes too, as the runner's group kill would take it.
        if (survivors.length > 0) kill(-pgid, 'SIGKILL');
      }
    });
    child.once('error', (error) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', terminate);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', terminate);
      const call: ExecutorCall = {
        step,
        argv: [...argv],
        exitCode,
        signal,
        stdout,
        stderr,
        pid: pgid!,
        durationMs: Date.now() - started,
      };
      if (survivors) call.survivorsAtExit = survivors;
      resolve(call);
    });
  });
}
