import { z } from 'zod';
import { doc } from './key-doc.js';
import { positiveInt, VARIABLE_NAME } from './value-schemas.js';

/** `[runners.<instance>]`: one runner instance. */
export const runnerInstanceSchema = doc(
  z.strictObject({
    tags: doc(z.array(z.string()), {
      type: 'array of strings',
      description:
        "The job tags this runner takes. A pending job goes to the instance whose tags include all of the job's tags. The tags are also set on the runner in GitLab.",
      example: ['tag-1', 'tag-2'],
    }),
    launch_priority: doc(z.int().optional(), {
      type: 'integer',
      description:
        'When jobs for several instances wait, instances with a higher priority are launched first; instances without a priority come after all others.',
      example: 10,
    }),
    run_untagged: doc(z.boolean().prefault(false), {
      type: 'boolean',
      added: true,
      description:
        'Whether this runner also takes jobs without tags. It is set on the runner in GitLab when it is registered; untagged jobs are only launched for instances where it is true.',
    }),
    max_in_flight: doc(positiveInt().optional(), {
      type: 'integer ≥ 1',
      added: true,
      commented: 4,
      description:
        'At most this many launches of this instance may be queued or running at once. Unset: no limit.',
    }),
    config_variables: doc(
      z
        .record(
          z.string().regex(VARIABLE_NAME, {
            error: 'expected a variable name: a letter or "_", then letters, digits or "_"',
          }),
          z.string({ error: 'expected a string (write numbers and booleans in quotes, e.g. "4")' }),
        )
        .prefault({}),
      {
        type: 'table of strings',
        description:
          'Variables of this instance for the [runner], [executor] and [launch] templates, used as `$VARIABLE` or `${VARIABLE}`. Every value must be a string.',
        example: { VARIABLE: 'value' },
      },
    ),
  }),
  {
    type: 'table',
    description:
      'Each instance is registered as one GitLab runner, and the [runner], [executor] and [launch] templates are instantiated for it with `$NAME` set to its name.',
  },
);

/** One `[runners.<instance>]` table. */
export interface RunnerInstance {
  tags: string[];
  launch_priority?: number | undefined;
  run_untagged: boolean;
  max_in_flight?: number | undefined;
  config_variables: Record<string, string>;
}
