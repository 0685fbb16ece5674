// The end-to-end suite (end-to-end-suite.ts) through a local batch command: `run` launches the stand-in
// gitlab-runner as a background process.
import { endToEndSuite } from './end-to-end-suite.ts';

endToEndSuite({ slurm: false });
