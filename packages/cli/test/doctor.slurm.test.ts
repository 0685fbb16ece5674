// doctor --batch on the real one-node Slurm: the probe job goes through sbatch like a launch. Skipped where
// Slurm is not up.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { doctor, doctorFixture } from './doctor-fixture.js';
import { runHarness } from './run-harness.js';

const ping = spawnSync('scontrol', ['ping'], { encoding: 'utf8', timeout: 10_000 });
const unavailable = ping.status === 0 && /UP/.test(ping.stdout) ? undefined : 'slurmctld does not answer';

const harness = runHarness();

describe.skipIf(unavailable)(
  `doctor --batch on Slurm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('submits the probe with sbatch and reports the node', async () => {
      const f = harness.closeAfter(
        await doctorFixture({
          launch: `
executable = "sbatch"
args = ["--output=$HOME/slurm-%j.out"]
stdin = """
#!/bin/bash
#SBATCH --time=5
gitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1
"""
`,
        }),
      );
      const result = await doctor(f, ['--batch', 'cpu', '--batch-timeout', '150']);
      expect(result.failed).toEqual([]);
      expect(result.byId('launch.sbatch').status).toBe('ok');
      expect(result.byId('batch.submit').summary).toMatch(/Submitted batch job \d+/);
      expect(result.byId('node.gitlab-runner').status).toBe('ok');
      expect(result.byId('node.container-tool').status).toBe('ok');
      expect(result.byId('node.pull-lock').status).toBe('ok');
      expect(result.exitCode).toBe(0);
    });
  },
);
