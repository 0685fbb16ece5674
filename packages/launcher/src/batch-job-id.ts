/** A batch job as the launch command reported it. */
export interface BatchJobRef {
  id: string;
  /** Slurm cluster (`sbatch --parsable` prints `jobid;cluster` on multi-cluster setups). */
  cluster?: string | undefined;
}

const slurmParsable = /^(\d+(?:_\d+)?)(?:;(\S+))?$/;
const slurmHuman = /^Submitted batch job (\d+)(?: on cluster (\S+))?$/;
const lsf = /^Job <([^>]+)> is submitted/;
const condor = /submitted to cluster (\d+)\.?$/;
const plainId = /^[A-Za-z0-9][\w.\-@:[\]]*$/;

function lines(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * The batch job id in a launch command's standard output, or undefined when there is none.
 *
 * - `slurm`: the last line of `sbatch --parsable` (`jobid` or `jobid;cluster`), or sbatch's
 *   `Submitted batch job <id>`.
 * - `generic`: the forms above, LSF's `Job <id> is submitted ...`, HTCondor's `... submitted to cluster <id>.`,
 *   else the last non-empty line when it is a single word (PBS/Torque `qsub` prints `123.server`).
 */
export function parseBatchJobId(stdout: string, kind: 'slurm' | 'generic'): BatchJobRef | undefined {
  const all = lines(stdout);
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!;
    const m = slurmParsable.exec(line) ?? slurmHuman.exec(line);
    if (m) return m[2] ? { id: m[1]!, cluster: m[2] } : { id: m[1]! };
  }
  if (kind === 'slurm') return undefined;
  for (let i = all.length - 1; i >= 0; i--) {
    const line = all[i]!;
    const m = lsf.exec(line) ?? condor.exec(line);
    if (m) return { id: m[1]! };
  }
  const last = all.at(-1);
  return last !== undefined && plainId.test(last) ? { id: last } : undefined;
}
