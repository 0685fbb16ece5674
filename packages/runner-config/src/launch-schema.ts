import { z } from 'zod';
import { doc, THIS_AND_NAME } from './key-doc.js';
import { duration, positiveInt } from './value-schemas.js';

/** `[launch]`: how launches are made. */
export const launchSchema = doc(
  z.strictObject({
    executable: doc(z.string(), {
      type: 'string',
      expansion: 'instance',
      description:
        'The program that submits a launch, usually `sbatch`: a name looked up in `PATH`, or a path. It gets the `stdin` text on its standard input.',
      example: 'sbatch',
    }),
    args: doc(z.array(z.string()).prefault([]), {
      type: 'array of strings',
      expansion: 'instance',
      description:
        'Arguments of the executable. Never put a secret here: command lines are visible to every user of the machine.',
      example: [],
    }),
    workdir: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description:
        'Working directory of the executable. Unset: the working directory of `gitlab-meta-runner run`.',
      example: '$HOME/launch',
    }),
    stdin: doc(z.string().optional(), {
      type: 'string',
      expansion: 'instance',
      description:
        'Text written to the standard input of the executable. For `sbatch` this is the batch script, which runs `gitlab-runner run-single` for this instance; write `$$` for a `$` that the script itself should see.',
      example:
        '#!/bin/bash\ngitlab-runner run-single --config $CONFIG --runner $NAME --max-builds $NUM_JOBS --wait-timeout 1\n',
    }),
    timeout: doc(duration({ positive: true, timer: true }).optional(), {
      type: 'duration',
      expected: `a duration greater than 0: a number of seconds, or a string like "90s", "5m"`,
      description:
        'How long one launch command may run before it is stopped and counted as failed. Unset: no limit.',
      example: 300,
    }),
    group_size: doc(positiveInt().prefault(1), {
      type: 'integer ≥ 1',
      description:
        'Up to this many pending jobs of one instance are handed to a single launch; the launch gets their number as `$NUM_JOBS`.',
      example: 1,
    }),
    batch_system: doc(
      z
        .enum(['auto', 'slurm', 'generic'], { error: 'expected one of "auto", "slurm", "generic"' })
        .prefault('auto'),
      {
        type: '"auto", "slurm" or "generic"',
        added: true,
        description:
          "`slurm`: the executable is `sbatch` (or a wrapper with its output); the batch job id is read from its output and followed with `squeue` and `scancel`. `generic`: any other batch system or plain command; see `status_command` and `pickup_timeout`. `auto`: `slurm` when the executable's file name is `sbatch`, else `generic`.",
      },
    ),
    status_command: doc(
      z.array(z.string()).min(1, { error: 'expected a program and its arguments' }).optional(),
      {
        type: 'array of strings',
        expansion: 'instance',
        added: true,
        commented: ['my-batch-status', '--running'],
        description:
          'For generic batch systems: a command (program, then arguments) that prints the ids of the batch jobs still queued or running, one per line, so that a launch counts as in flight until its batch job ends. Unset: launches count as in flight for `pickup_timeout`.',
      },
    ),
    cancel_stale: doc(z.boolean().prefault(false), {
      type: 'boolean',
      added: true,
      description:
        'Cancel a launch that is still queued in the batch system when every GitLab job it was started for is gone (cancelled, or taken by another runner).',
    }),
    pickup_timeout: doc(duration({ positive: true, timer: true }).prefault('10m'), {
      type: 'duration',
      added: true,
      description:
        'When the state of a launch cannot be asked (no `status_command` and not Slurm), it counts as in flight for this long, then it is forgotten.',
    }),
    max_in_flight: doc(positiveInt().optional(), {
      type: 'integer ≥ 1',
      added: true,
      commented: 20,
      description:
        'At most this many launches, over all instances, may be queued or running at once. Unset: no limit.',
    }),
    concurrency: doc(positiveInt().prefault(4), {
      type: 'integer ≥ 1',
      added: true,
      description: 'How many launch commands may run at the same time.',
    }),
    max_launches_per_cycle: doc(positiveInt().prefault(50), {
      type: 'integer ≥ 1',
      added: true,
      description:
        'At most this many launches per cycle, over all instances (highest `launch_priority` first, instances of equal priority in turn); the rest wait for the next cycle, which then comes after `[poll] fast_interval`. The default keeps a cycle short on a busy Slurm: see docs/slurm.md.',
    }),
    failure_backoff: doc(duration({ positive: true, timer: true }).prefault('30s'), {
      type: 'duration',
      added: true,
      description:
        'After a cycle in which launches of an instance failed, wait this long before launching it again (failures of one cycle count once); the wait doubles with every further cycle with failures, up to 30 minutes. A successful launch resets it.',
    }),
  }),
  {
    type: 'table',
    description: `How \`gitlab-meta-runner run\` starts ephemeral runners for pending jobs. Optional: without it, \`run\` cannot launch anything. Values marked as expanded are instantiated per instance, looking variables up in this order: ${THIS_AND_NAME}, \`$CONFIG\` (the generated gitlab-runner config file, for \`gitlab-runner run-single --config\`), \`$NUM_JOBS\` (the number of jobs in this launch), the instance's config_variables, then the environment of \`run\`.`,
  },
);

export type BatchSystem = 'auto' | 'slurm' | 'generic';

/** `[launch]`, not instantiated. Durations in milliseconds. */
export interface LaunchSection {
  executable: string;
  args: string[];
  workdir?: string | undefined;
  stdin?: string | undefined;
  timeout?: number | undefined;
  group_size: number;
  batch_system: BatchSystem;
  status_command?: string[] | undefined;
  cancel_stale: boolean;
  pickup_timeout: number;
  max_in_flight?: number | undefined;
  concurrency: number;
  max_launches_per_cycle: number;
  failure_backoff: number;
}
