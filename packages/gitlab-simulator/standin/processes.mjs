// The process side of the apptainer stand-in's `exec`: the PID namespace, its init, and how the container's
// processes end with the tool's monitor. What is played, and where it comes from (github.com/apptainer/apptainer
// and github.com/sylabs/singularity, tag given with each path):
// - With a PID namespace (`exec --pid`, implied by --containall and --compat), the starter forks the
//   container process with CLONE_NEWPID, in setuid and in user-namespace installations alike ("as we fork in
//   any case, we set clone flag to create pid namespace during fork", cmd/starter/c/starter.c, apptainer
//   v1.3.6). Unless --no-init, that process stays as the namespace's init ("sinit", or "appinit" from
//   apptainer v1.1.0): it starts the command, passes every signal it gets on to it, and when the command
//   ends exits with its status, 128 + n for a command killed by signal n (StartProcess in
//   internal/pkg/runtime/engine/apptainer/process_linux.go, apptainer v1.3.6;
//   .../engine/singularity/process_linux.go, SingularityCE v4.3.7). The kernel then kills whatever else
//   runs in the namespace (pid_namespaces(7)).
// - `allow pid ns = no` in apptainer.conf drops the namespace silently ("Not virtualizing PID namespace by
//   configuration" at debug level, prepareContainerConfig in .../engine/apptainer/prepare_linux.go,
//   apptainer v1.0.0 to v1.5.3; .../engine/singularity/prepare_linux.go, SingularityCE v3.9.0 to v4.3.7).
// - The container process gets SIGKILL when its parent, the monitor, dies (set_parent_death_signal(SIGKILL)
//   for stage 2 in cmd/starter/c/starter.c, apptainer v1.0.0 and v1.3.6, SingularityCE v3.9.0 and v4.3.7),
//   and it stays in the caller's process group (Setpgid only for instances, process_linux.go above), so
//   gitlab-runner's kill of the executor's group reaches every container process that kept the group.
// The stand-in plays the namespace with util-linux `unshare --pid --fork` (host runs) or bubblewrap's
// `--unshare-pid` (isolated runs), and its init with this file run as `standin-init`.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The internal command line word that makes the stand-in run as the namespace's init. */
export const INIT_COMMAND = 'standin-init';

const STAND_IN = fileURLToPath(new URL('./apptainer.mjs', import.meta.url));

/** Signals the init passes on: every one a process can catch (SIGCHLD is its own business). */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGWINCH'];

export function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** `/proc/<pid>/stat` fields from the state on (state, ppid, pgrp, ...), or undefined when it is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function liveProcesses(select) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && fields[0] !== 'Z' && select(fields)) pids.push(Number(entry));
  }
  return pids;
}

/** The live processes of process group `pgid`. */
export const groupMembers = (pgid) => liveProcesses((f) => Number(f[2]) === pgid);

/** The live children of `pid`. */
export const childrenOf = (pid) => liveProcesses((f) => Number(f[1]) === pid);

export function commandName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The command line that runs `command` in a new PID namespace on the host, under an init like the tool's
 * (or as the namespace's first process with --no-init). `unshare --fork` waits for the namespace's first
 * process and exits with its status; it blocks SIGINT and SIGTERM meanwhile, as the tool's monitor outlives
 * them, and --kill-child ends the namespace if unshare itself is killed.
 */
export function hostNamespaceCommand(command, { initName, noInit }) {
  const user = process.getuid?.() === 0 ? [] : ['--map-current-user'];
  const init = noInit ? [] : [process.execPath, STAND_IN, INIT_COMMAND, initName];
  return ['unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ...user, '--', ...init, ...command]];
}

/** `standin-init <name> <command...>`: the namespace's init (see the top of this file). */
export function runInit([name, command, ...args]) {
  process.title = name;
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of FORWARDED) process.on(signal, () => kill(child.pid, signal));
  child.on('error', (error) => {
    process.stderr.write(`FATAL:   exec ${command} failed: ${error.message}\n`);
    process.exit(255);
  });
  child.on('exit', (code, signal) =>
    process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 0)),
  );
}

/**
 * The processes a signal to the monitor goes to: the init of a host namespace (the child of `unshare`), the
 * sandbox's processes of an isolated run (bubblewrap's process group, bwrap itself excepted), else the
 * command.
 */
export function signalTargets(child, { isolate, pidNamespace }) {
  if (isolate) return groupMembers(child.pid).filter((pid) => commandName(pid) !== 'bwrap');
  if (pidNamespace) return childrenOf(child.pid);
  return [child.pid];
}

const pidNamespaceOf = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
};

/** The pid a process has in its own PID namespace (the last field of NSpid in /proc/<pid>/status). */
function innerPid(pid) {
  try {
    const line = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
    return Number(line.trim().split(/\s+/).at(-1));
  } catch {
    return undefined;
  }
}

/**
 * Ends an isolated run's PID namespace as the tool's init ends it: bubblewrap's own init (PID 1) outlives the
 * command and reaps whatever else runs, so once the command (PID 2) has ended, the init is killed, and the
 * kernel takes the rest of the namespace with it. `bwrapPid` is the outer bubblewrap, whose process group
 * the init is in. Resolves once the namespace is gone.
 */
export async function endIsolatedNamespace(bwrapPid) {
  const init = groupMembers(bwrapPid).find((pid) => commandName(pid) === 'bwrap');
  if (init === undefined) return;
  const ns = pidNamespaceOf(init);
  const inNamespace = () =>
    liveProcesses(() => true).filter((pid) => pid !== init && pidNamespaceOf(pid) === ns);
  while (inNamespace().some((pid) => innerPid(pid) === 2)) await new Promise((r) => setTimeout(r, 50));
  kill(init, 'SIGKILL');
  while (statFields(init) && statFields(init)[0] !== 'Z') await new Promise((r) => setTimeout(r, 20));
}

/**
 * An isolated run's bubblewrap has a process group of its own (a signal to the executor's group must not
 * kill it: bwrap dies of SIGTERM), so gitlab-runner's SIGKILL of that group would miss the container's
 * processes. A watcher outside both groups ends them as that kill would: when the monitor dies without
 * saying "done", it SIGKILLs bwrap's group, with the namespace's init in it when there is one. Returns
 * `release(then)`, which tells the watcher that the monitor ends normally, then calls `then`.
 */
export function watchMonitor(bwrapPid) {
  const watcher = spawn(
    '/bin/sh',
    [
      '-c',
      'trap "" TERM INT HUP; read line; [ "$line" = done ] || kill -s KILL -- "-$1"',
      'sh',
      String(bwrapPid),
    ],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  watcher.on('error', () => {});
  watcher.stdin.on('error', () => {});
  watcher.unref();
  return (then) => watcher.stdin.end('done\n', then);
}
