import { z } from 'zod';
import { type ExecutorSection, executorSchema } from './executor-schema.js';
import { isGitlabHostname } from './hostname.js';
import { doc } from './key-doc.js';
import { type LaunchSection, launchSchema } from './launch-schema.js';
import { type MetricsSection, metricsSchema } from './metrics-schema.js';
import { isSafeName, NAME_RULE } from './names.js';
import { type PollSection, pollSchema } from './poll-schema.js';
import { type RunnerInstance, runnerInstanceSchema } from './runner-instance-schema.js';
import { type RunnerSection, runnerSchema } from './runner-schema.js';
import { duration } from './value-schemas.js';

/** The requirement shared by the keys that say what a config covers (checked in scope.ts). */
const ONE_OF = 'Exactly one of `project`, `projects` and `group` is required';

/** A project as the file names it: a path (`group/project`) or a numeric id, kept as a string. */
const projectRef = () =>
  z
    .union([
      z
        .string()
        .min(1, { error: 'expected a project path such as "group/project", or a numeric project id' }),
      z.int().min(1),
    ])
    .transform((v) => String(v));

// The whole config file; each section's schema is in its own file.

/** The zod schema of the config file: the single source of truth for parsing, defaults, the example and docs. */
export const configSchema = doc(
  z.strictObject({
    name: doc(z.string().refine(isSafeName, { error: `expected a name of ${NAME_RULE}` }), {
      type: 'string',
      description: `Unique name of this meta-runner. The files in the data directory are named after it (\`<name>.tokens\`, \`<name>.gitlab-config.toml\`, \`<name>.state\`), so two meta-runners sharing a data directory need different names. It may contain ${NAME_RULE}.`,
      example: 'meta-runner',
    }),
    project: doc(projectRef().optional(), {
      type: 'string',
      expected: 'a project path such as "group/project", or a numeric project id',
      description:
        'The GitLab project whose jobs the runners take: its path (`group/project`) or its numeric id.',
      requirement: ONE_OF,
      example: 'gitlab-org/gitlab',
    }),
    projects: doc(
      z
        .array(projectRef())
        .min(1, { error: 'expected at least one project' })
        .refine((list) => new Set(list).size === list.length, {
          error: 'expected each project once',
        })
        .optional(),
      {
        type: 'array of strings',
        expected: 'an array of project paths such as "group/project" or numeric project ids',
        added: true,
        requirement: ONE_OF,
        description:
          'Several GitLab projects whose jobs the runners take, by path or numeric id, instead of `project`. Each instance is one runner, registered in the first project and enabled in the others (`configure` adds and removes them as this list changes). Needs a token with the `api` scope and the Maintainer role in every project; see docs/groups.md.',
        commented: ['my-group/app', 'my-group/lib', 1234],
      },
    ),
    group: doc(
      z
        .union([
          z.string().regex(/^[^/\s][^\s]*[^/\s]$|^[^/\s]$/, {
            error: 'expected a group path such as "my-group" or "my-group/subgroup", or a numeric group id',
          }),
          z.int().min(1),
        ])
        .transform((v) => String(v))
        .optional(),
      {
        type: 'string',
        expected: 'a group path such as "my-group" or "my-group/subgroup", or a numeric group id',
        added: true,
        requirement: ONE_OF,
        description:
          "A GitLab group whose projects' jobs the runners take, instead of `project`: every instance is registered once as a group runner, and a project added to the group later is covered at once. Needs the Owner role in the group; see docs/groups.md.",
        commented: 'my-group',
      },
    ),
    include_subgroups: doc(z.boolean().optional(), {
      type: 'boolean',
      added: true,
      description:
        'With `group`: whether the projects of its subgroups (at any depth) are covered too, as GitLab gives group runners their jobs. Unset: true. Only allowed with `group`.',
      commented: true,
    }),
    hostname: doc(
      z.string().refine(isGitlabHostname, {
        error:
          'expected a host name such as "gitlab.com" or an http(s) URL such as "https://gitlab.example.org:8443"',
      }),
      {
        type: 'string',
        description:
          'The GitLab server: a host name such as `gitlab.com` (https is assumed), or a URL such as `https://gitlab.example.org:8443` or `http://127.0.0.1:8080`.',
        example: 'gitlab.com',
      },
    ),
    management_token: doc(z.string().min(1, { error: 'expected a token' }), {
      type: 'string',
      expansion: 'environment',
      description:
        'A GitLab access token of the project (or of a user) with the scopes `read_api`, `create_runner` and `manage_runner`; `configure` and `run` use it. Write a variable such as "$GITLAB_TOKEN" to read the token from the environment instead of keeping it in this file.',
      example: 'enter-your-token-here',
    }),
    rotate_tokens_within: doc(duration().prefault('7d'), {
      type: 'duration',
      added: true,
      description:
        '`configure` and `run` renew the authentication token of a runner that expires within this time.',
    }),
    runners: doc(
      z.record(
        z.string().refine(isSafeName, { error: `expected an instance name of ${NAME_RULE}` }),
        runnerInstanceSchema,
      ),
      {
        type: 'table of runner instances',
        description: `The runner instances: one table \`[runners.<instance>]\` each. An instance name may contain ${NAME_RULE}.`,
        exampleKey: 'test-runner',
      },
    ),
    poll: pollSchema,
    launch: launchSchema.optional(),
    metrics: metricsSchema.prefault({}),
    executor: executorSchema.prefault({}),
    runner: runnerSchema,
  }),
  {
    type: 'table',
    description:
      'The config file of gitlab-meta-runner: who it is in GitLab, its runner instances, and the templates instantiated for each instance.',
  },
);

/** A parsed config file, defaults applied. `management_token` is already expanded from the environment. */
export interface Config {
  name: string;
  /** Exactly one of `project`, `projects` and `group` is set (see `configScope`). */
  project?: string | undefined;
  projects?: string[] | undefined;
  group?: string | undefined;
  include_subgroups?: boolean | undefined;
  hostname: string;
  management_token: string;
  /** Milliseconds. */
  rotate_tokens_within: number;
  runners: Record<string, RunnerInstance>;
  poll: PollSection;
  launch?: LaunchSection | undefined;
  metrics: MetricsSection;
  executor: ExecutorSection;
  runner: RunnerSection;
}

/** What the config file may hold before defaults (for editors and tests). */
export type ConfigInput = z.input<typeof configSchema>;

// The interfaces must describe exactly what the schema produces.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Same<z.output<typeof configSchema>, Config> = true;
void schemaMatchesTypes;
