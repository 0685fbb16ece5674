import { z } from 'zod';
import { doc } from './key-doc.js';
import { duration } from './value-schemas.js';

/** `[poll]`. */
export const pollSchema = doc(
  z.strictObject({
    interval: doc(duration({ positive: true, timer: true }), {
      type: 'duration',
      expected: 'a duration greater than 0: a number of seconds, or a string like "30s", "2m"',
      description: "Time between two requests for the project's pending jobs. Must be greater than 0.",
      example: 30,
    }),
  }),
  { type: 'table', description: 'How `gitlab-meta-runner run` watches the project for pending jobs.' },
);

export interface PollSection {
  /** Milliseconds. */
  interval: number;
}
