import { spawnSync } from 'node:child_process';

/**
 * Why the tests cannot use a real Slurm here (not installed, slurmctld not answering, no usable node), or
 * undefined when sbatch can run jobs. scripts/slurm/start.sh starts a one-node Slurm; CI runs it.
 */
export function slurmUnavailable(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v sinfo && command -v sbatch && command -v squeue'], {
    encoding: 'utf8',
  });
  if (which.status !== 0)
    return 'Slurm is not installed (no sinfo/sbatch/squeue; run scripts/slurm/start.sh as root)';
  const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
  if (ping.status !== 0 || !/UP/.test(ping.stdout))
    return 'slurmctld does not answer (run scripts/slurm/start.sh as root)';
  const nodes = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  if (!/^(idle|mixed|allocated|completing)/m.test(nodes.stdout))
    return `no usable Slurm node (sinfo says: ${nodes.stdout.trim() || nodes.stderr.trim()})`;
  return undefined;
}
