import { spawn } from 'node:child_process';
import { signalGroup } from '@mr/node-kit';

/** The process groups of the commands started so far (they may hold children after the command ended). */
const groups = new Set<number>();

/** What a command of the node probe printed, or why it gave nothing. */
export interface ProbeOutput {
  stdout: string;
  code: number | null;
  /** Set when it did not end within its time (it and everything it started were killed). */
  timedOut?: boolean;
  error?: Error;
}

/**
 * Runs a short command of the node probe (`gitlab-runner --version`, `nvidia-smi -L`) in a process group of
 * its own. After `timeoutMs`, or when `signal` aborts, the whole group gets SIGKILL, and the answer comes
 * when the command itself has ended: a child it left behind holding the output open cannot hold the probe.
 */
export function runProbeCommand(
  file: string,
  args: readonly string[],
  options: { env: Record<string, string | undefined>; timeoutMs: number; signal: AbortSignal },
): Promise<ProbeOutput> {
  return new Promise((resolve) => {
    let stdout = '';
    let timedOut = false;
    const child = spawn(file, [...args], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    if (child.pid !== undefined) groups.add(child.pid);
    const stop = () => {
      timedOut = true;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(stop, options.timeoutMs);
    options.signal.addEventListener('abort', stop, { once: true });
    const done = (result: ProbeOutput) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', stop);
      child.stdout?.destroy();
      resolve(result);
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', (error) => done({ stdout, code: null, error }));
    child.once('exit', (code) => {
      // What it printed before it ended is read before the answer; a leftover child's output is not awaited.
      setImmediate(() => done({ stdout, code, ...(timedOut ? { timedOut } : {}) }));
    });
  });
}

/** Kills what is left of every command started (the probe leaves nothing running on the node). */
export function endProbeCommands(): void {
  for (const leader of groups) signalGroup(leader, 'SIGKILL');
  groups.clear();
}
