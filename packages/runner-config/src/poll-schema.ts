import { z } from 'zod';
import { doc } from './key-doc.js';
import { duration } from './value-schemas.js';

/** `host:port` or `[v6]:port`, port 0-65535 (0: any free port, logged at start). */
const LISTEN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function isListenAddress(value: string): boolean {
  const match = LISTEN.exec(value);
  const port = Number(match?.[1]);
  return match !== null && port >= 0 && port <= 65_535;
}

/** `[poll.webhook]`. */
export const webhookSchema = doc(
  z.strictObject({
    listen: doc(
      z.string().refine(isListenAddress, {
        error: 'expected host:port, such as "127.0.0.1:8765" or "[::1]:8765"',
      }),
      {
        type: 'string',
        description:
          'Address the listener binds, `host:port` (port 0: any free port, logged at start). Put it behind a reverse proxy with TLS when GitLab reaches it over a network (docs/webhook.md).',
        example: '127.0.0.1:8765',
      },
    ),
    secret: doc(z.string().min(16, { error: 'expected a secret of at least 16 characters' }), {
      type: 'string',
      expansion: 'environment',
      description:
        'The webhook\'s secret token, as entered in GitLab\'s webhook settings; GitLab sends it as `X-Gitlab-Token`. At least 16 characters. Write a variable such as "$MR_WEBHOOK_SECRET" to read it from the environment.',
      example: '$MR_WEBHOOK_SECRET',
    }),
  }),
  {
    type: 'table',
    added: true,
    description:
      "Optional listener for GitLab's Job events webhook: a job that becomes pending starts a cycle at once. A hint only: the poll still runs and finds every job. See docs/webhook.md.",
  },
);

/** `[poll]`. */
export const pollSchema = doc(
  z.strictObject({
    interval: doc(duration({ positive: true, timer: true }), {
      type: 'duration',
      expected: 'a duration greater than 0: a number of seconds, or a string like "30s", "2m"',
      description:
        "Time between two requests for the project's pending jobs while nothing happens. Must be greater than 0. With `adaptive` (the default) the launcher polls sooner after launches, while launches are in flight and while matched jobs wait; with `adaptive = false` it polls at exactly this interval, as the original did.",
      example: 30,
    }),
    adaptive: doc(z.boolean().prefault(true), {
      type: 'boolean',
      added: true,
      description:
        "Poll again after `fast_interval` when a cycle launched something or found a matched job it had not seen; while launches are queued or running, after a tenth of the youngest one's age (at least `fast_interval`, at most `interval`), so that the next stage of a pipeline is seen soon after the runner of the stage before it ends; with nothing in flight, double the wait up to `interval` while matched jobs stay pending; poll at `interval` when idle; wait longer when GitLab says (RateLimit-Remaining) that few requests are left. False: a fixed `interval`.",
    }),
    fast_interval: doc(duration({ positive: true, timer: true }).prefault('2s'), {
      type: 'duration',
      added: true,
      description:
        'The shortest time between two polls with `adaptive`: the wait right after launches or new matched jobs, and while the youngest launch in flight is less than ten times this old. Values above `interval` are lowered to it.',
    }),
    keep_alive: doc(duration({ positive: true, timer: true }).prefault('30m'), {
      type: 'duration',
      added: true,
      description:
        "While matched jobs of an instance wait behind its launches still queued in the batch system, the instance's runner contacts GitLab this often (`POST /runners/verify`), so that GitLab counts it online (contacted within 2 h) and does not drop those jobs as stuck after 1 h. Keep it well below 2 h.",
    }),
    webhook: webhookSchema.optional(),
  }),
  { type: 'table', description: 'How `gitlab-meta-runner run` watches the project for pending jobs.' },
);

export interface WebhookSection {
  listen: string;
  /** Expanded from the environment when it contains `$`. */
  secret: string;
}

export interface PollSection {
  /** Milliseconds. */
  interval: number;
  adaptive: boolean;
  /** Milliseconds. */
  fast_interval: number;
  /** Milliseconds. */
  keep_alive: number;
  webhook?: WebhookSection | undefined;
}
