// The end-to-end suite (end-to-end-suite.ts) through the real one-node Slurm: `run` launches the stand-in
// gitlab-runner with sbatch, and each job runs inside a Slurm batch job. Skipped, with the reason in the
// test name, where Slurm is not up (scripts/slurm/start.sh starts one; CI runs it).
import { slurmUnavailable } from '@mr/test-support';
import { endToEndSuite } from './end-to-end-suite.ts';

endToEndSuite({ slurm: true, unavailable: slurmUnavailable() });
