// A tiny local batch system for `gitlab-meta-runner demo`: `submit` plays `sbatch --parsable` (reads the job
// script from stdin, starts it in the background, prints its job id) and `queue` plays a status command
// (prints the ids of jobs still running). Jobs are plain processes; their output goes to the spool directory.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
      text += chunk;
    });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The ids of the spool's jobs whose process still runs; markers of ended jobs are removed. */
export function runningJobs(spool: string): number[] {
  const ids: number[] = [];
  for (const file of readdirSync(spool)) {
    if (!file.endsWith('.job')) continue;
    const id = Number(file.slice(0, -4));
    if (alive(id)) ids.push(id);
    else rmSync(join(spool, file), { force: true });
  }
  return ids.sort((a, b) => a - b);
}

/** Stops every job of the spool that still runs (the demo's clean-up). */
export function stopJobs(spool: string): void {
  for (const id of runningJobs(spool)) {
    try {
      process.kill(-id, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

async function submit(spool: string): Promise<number> {
  const script = await readStdin();
  const scriptFile = join(spool, `job-${process.pid}-${Date.now()}.sh`);
  writeFileSync(scriptFile, script, { mode: 0o700 });
  const out = openSync(`${scriptFile}.out`, 'a');
  // Detached like a real batch job: it outlives this submit command, in its own process group.
  const child = spawn('/bin/sh', [scriptFile], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) {
    process.stderr.write('local-batch: could not start the job script\n');
    return 1;
  }
  writeFileSync(join(spool, `${pid}.job`), `${scriptFile}\n`);
  child.unref();
  process.stdout.write(`${pid}\n`);
  return 0;
}

/** `local-batch submit|queue <spool-dir>`; returns the exit code. */
export async function localBatchMain(argv: readonly string[]): Promise<number> {
  const [command, spool] = argv;
  if (!spool || (command !== 'submit' && command !== 'queue')) {
    process.stderr.write('usage: local-batch submit|queue <spool-dir> [ignored sbatch options]\n');
    return 2;
  }
  if (command === 'submit') return submit(spool);
  for (const id of runningJobs(spool)) process.stdout.write(`${id} RUNNING\n`);
  return 0;
}
