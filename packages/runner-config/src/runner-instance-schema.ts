import { z } from 'zod';
import { doc } from './key-doc.js';
import { type Resources, resourcesSchema } from './resources-schema.js';
import { duration, positiveInt, VARIABLE_NAME } from './value-schemas.js';

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
    maximum_timeout: doc(
      duration({ positive: true })
        .refine((ms) => ms >= 600_000, { error: "expected at least 10 minutes (GitLab's minimum)" })
        .optional(),
      {
        type: 'duration',
        added: true,
        commented: '2h',
        description:
          "GitLab's maximum job timeout of this instance's runners, sent when they are registered: GitLab cuts a longer job timeout down to it. At least 10 minutes (GitLab's minimum). With a `time` resource, each resource runner gets the time of its set (less one minute), or this value when it is smaller.",
      },
    ),
    resources: resourcesSchema,
    max_resource_runners: doc(positiveInt().prefault(8), {
      type: 'integer ≥ 1',
      added: true,
      description:
        'At most this many resource runners (one per distinct set of resource tags in use) are registered for this instance at once; jobs asking for another set wait until an idle one is deleted.',
    }),
    resource_runner_idle: doc(duration({ positive: true }).prefault('1h'), {
      type: 'duration',
      added: true,
      description:
        'A resource runner with no pending job and no launch in flight for this long is deleted from GitLab.',
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
  /** Milliseconds. */
  maximum_timeout?: number | undefined;
  resources?: Resources | undefined;
  max_resource_runners: number;
  /** Milliseconds. */
  resource_runner_idle: number;
  config_variables: Record<string, string>;
}
