// A slow sbatch for crash tests: every call waits for a gate file before it submits, like an sbatch that
// waits for a busy slurmctld, and a squeue that lists what it submitted.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchFixture } from './launch-fixture.js';

/**
 * sbatch, slowed down: every call reads its batch script, marks itself waiting, then waits for
 * `$BATCH_DIR/gate` before it submits (to `$REAL_SBATCH`, or to the queue file below), like an sbatch that
 * waits for a busy slurmctld. Like sbatch with `--parsable`, it prints the job id alone (Slurm's sbatch(1):
 * "--parsable Outputs only the job id number and the cluster name if present").
 */
const gatedSbatch = (owner: number) => `#!/bin/sh
script=$(cat)
touch "$BATCH_DIR/waiting.$$"
# Gives up when the test process that installed it is gone (an interrupted run never opens the gate).
while [ ! -e "$BATCH_DIR/gate" ]; do kill -0 ${owner} 2>/dev/null || exit 75; sleep 0.05; done
if [ -n "$REAL_SBATCH" ]; then
  printf '%s\\n' "$script" | exec "$REAL_SBATCH" "$@"
fi
comment=
for a in "$@"; do case "$a" in --comment=*) comment=\${a#--comment=} ;; esac; done
echo "$$|PENDING|$comment" >> "$BATCH_DIR/queue"
echo "$$"
`;

/** squeue --format=%i|%T|%k: the queue file (a job stays PENDING until the test empties the file). */
const fakeSqueue = `#!/bin/sh
cat "$BATCH_DIR/queue" 2>/dev/null || true
`;

/** `[launch]` through that sbatch: a held batch job per launch (`--hold`: on a real Slurm it never runs). */
export const gatedLaunch = `
executable = "sbatch"
args = ["--parsable", "--hold", "--output=/dev/null"]
stdin = """
#!/bin/sh
exec gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`;

/** Puts the gated `sbatch` (and, with `fake`, the `squeue` of its queue file) first in the fixture's PATH. */
export function installGatedSbatch(f: LaunchFixture, fake: boolean): void {
  for (const [name, text] of [
    ['sbatch', gatedSbatch(process.pid)],
    ...(fake ? [['squeue', fakeSqueue]] : []),
  ] as const) {
    writeFileSync(join(f.binDir, name), text);
    chmodSync(join(f.binDir, name), 0o755);
  }
}

export const batchDir = (f: LaunchFixture): string => f.env.BATCH_DIR!;

/** sbatch calls made so far (each left a `waiting.<pid>` file). */
export const sbatchCalls = (f: LaunchFixture): number =>
  readdirSync(batchDir(f)).filter((n) => n.startsWith('waiting.')).length;

/** Lets every waiting and future sbatch call submit. */
export function openGate(f: LaunchFixture): void {
  writeFileSync(join(batchDir(f), 'gate'), '');
}

/** The pids of the gated sbatch calls still running (orphans not reaped stay as zombies: they have ended). */
export function gatedRunning(f: LaunchFixture): number[] {
  return readdirSync(batchDir(f))
    .filter((n) => n.startsWith('waiting.'))
    .map((n) => Number(n.slice('waiting.'.length)))
    .filter((pid) => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
}

/**
 * Kills the gated sbatch calls still running, with their process groups (a launch command leads its own),
 * so that none outlives a test that failed before it opened the gate.
 */
export function killGated(f: LaunchFixture): void {
  for (const pid of gatedRunning(f)) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
