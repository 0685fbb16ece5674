import { signalGroup } from '@mr/node-kit/process-tree';
import { execa } from 'execa';

export interface RunProcessOptions {
  file: string;
  args: readonly string[];
  cwd?: string | undefined;
  /** Written to the process's standard input, which is then closed. */
  input?: string | undefined;
  /** The complete environment of the process (nothing is inherited). */
  env: Record<string, string | undefined>;
  /** Milliseconds before the whole process tree is terminated; 0 or undefined waits forever. */
  timeoutMs?: number | undefined;
  /** Milliseconds between SIGTERM and SIGKILL when the timeout fires. Default 5000. */
  killGraceMs?: number | undefined;
  /** When it fires, the process tree is terminated like on a timeout (result `cancelled`). */
  cancelSignal?: AbortSignal | undefined;
  /** Largest amount of stdout or stderr kept, in characters (the end is kept). Default 1 MiB. */
  maxOutput?: number | undefined;
  /** Called with the process id as soon as the process has started. */
  onSpawn?: ((pid: number) => void) | undefined;
}

export interface ProcessResult {
  /** Exit code, undefined when the process was killed by a signal or never started. */
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Terminated because `cancelSignal` fired. */
  cancelled: boolean;
  /** The process could not be started (ENOENT, EACCES, a missing working directory). */
  spawnError: Error | undefined;
  durationMs: number;
}

function keepTail(text: string, max: number): string {
  return text.length <= max ? text : `[... ${text.length - max} characters cut]\n${text.slice(-max)}`;
}

/**
 * Runs one launch command as a real process in its own process group, feeds it `input`, collects its output
 * and, when `timeoutMs` passes, terminates the whole group (SIGTERM, then SIGKILL after `killGraceMs`).
 * Never throws: failures are described by the result. Because the process has its own group, a Ctrl-C in
 * the launcher's terminal does not reach it.
 */
export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  const max = options.maxOutput ?? 1024 * 1024;
  const grace = options.killGraceMs ?? 5000;
  const subprocess = execa(options.file, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    input: options.input ?? '',
    detached: true,
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    maxBuffer: Math.max(max * 4, 64 * 1024),
    windowsHide: true,
  });
  if (subprocess.pid !== undefined) options.onSpawn?.(subprocess.pid);
  let timedOut = false;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    const pid = subprocess.pid;
    if (pid === undefined || killTimer) return;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), grace);
  };
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          terminate();
        }, options.timeoutMs)
      : undefined;
  const onCancel = () => {
    cancelled = true;
    terminate();
  };
  if (options.cancelSignal?.aborted) onCancel();
  else options.cancelSignal?.addEventListener('abort', onCancel, { once: true });
  const result = await subprocess;
  options.cancelSignal?.removeEventListener('abort', onCancel);
  if (timer) clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  // Processes of the group that outlive a terminated leader are not left behind.
  if ((timedOut || cancelled) && subprocess.pid !== undefined) signalGroup(subprocess.pid, 'SIGKILL');
  const spawnFailed =
    result.failed && result.exitCode === undefined && !result.signal && !timedOut && !cancelled;
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: keepTail(typeof result.stdout === 'string' ? result.stdout : '', max),
    stderr: keepTail(typeof result.stderr === 'string' ? result.stderr : '', max),
    timedOut,
    cancelled,
    spawnError: spawnFailed
      ? result.cause instanceof Error
        ? result.cause
        : new Error(result.shortMessage)
      : undefined,
    durationMs: performance.now() - started,
  };
}
