// `gitlab-meta-runner executor`, ended as gitlab-runner ends it: no process a step started outlives the
// step (normal end, SIGTERM) or the job's cleanup (after a SIGKILL), in the image and on the host.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJobSession,
  customExecutor,
  formatSurvivors,
  installStandInApptainer,
  makeTempDir,
  measureSurvivors,
  removeTempDirs,
  writeDevBin,
} from '@mr/test-support';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(removeTempDirs);

/** Trials per stage and ending (each starts one process of every pattern); more with MR_SURVIVOR_TRIALS. */
const TRIALS = Number(process.env.MR_SURVIVOR_TRIALS ?? 2);

describe('gitlab-meta-runner executor and the processes of a step', () => {
  it.concurrent.each([['build_script'], ['get_sources']])(
    '%s: none outlives the step, none outlives cleanup after a SIGKILL',
    async (stage) => {
      const dir = makeTempDir();
      const apptainer = installStandInApptainer(dir);
      const config = join(dir, 'config.toml');
      writeFileSync(
        config,
        `name = "hpc"
project = "group/project"
hostname = "gitlab.example.com"
management_token = "$GITLAB_TOKEN"

[runners.cpu]
tags = ["cpu"]

[poll]
interval = 30

[executor]
image_dir = "${dir}/images"
apptainer_executable = "${apptainer.path}"
kill_timeout = "2s"

[runner]
builds_dir = "${dir}/builds/$NAME"
cache_dir = "${dir}/cache"
`,
      );
      const executor = customExecutor(writeDevBin(dir, 'gitlab-meta-runner'), [
        '--config-file',
        config,
        'executor',
        'cpu',
      ]);
      let id = stage === 'build_script' ? 700 : 800;
      const table = await measureSurvivors({
        executor,
        newJob: () => createJobSession(executor, { id: ++id, image: 'alpine:3.20' }, { tmpRoot: dir }),
        stage,
        trials: TRIALS,
        readyFile: () => join(makeTempDir(), 'ready'),
      });
      console.log(`survivors, ${TRIALS} trials each:\n${formatSurvivors(stage, table, TRIALS)}`);
      for (const [ending, counts] of table) {
        for (const [pattern, c] of Object.entries(counts)) {
          if (ending === 'end' || ending === 'term') expect(c.afterStep, `${ending} ${pattern}`).toBe(0);
          expect(c.afterCleanup, `${ending} ${pattern} after cleanup`).toBe(0);
        }
      }
    },
  );
});
