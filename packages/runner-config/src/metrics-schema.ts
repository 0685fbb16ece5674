import { z } from 'zod';
import { doc } from './key-doc.js';

/** `[metrics]`. */
export const metricsSchema = doc(
  z.strictObject({
    listen: doc(
      z
        .string()
        .regex(/^(\[[^\]]+\]|[^:[\]]*):\d{1,5}$/, {
          error: 'expected host:port such as "127.0.0.1:9252", or ":9252" for every interface',
        })
        .optional(),
      {
        type: 'string',
        added: true,
        commented: '127.0.0.1:9252',
        description:
          '`run` and `run-single` serve Prometheus metrics over HTTP at `/metrics` on this address (`host:port`, or `:port` for every interface). Unset: no listener. See docs/metrics.md.',
      },
    ),
    textfile: doc(
      z
        .string()
        .refine((v) => v.endsWith('.prom'), {
          error: 'expected a file name ending in ".prom" (node_exporter reads only those)',
        })
        .optional(),
      {
        type: 'string',
        added: true,
        commented: '/var/lib/node_exporter/textfile_collector/gitlab-meta-runner.prom',
        description:
          "After each cycle, `run` and `run-single` write the metrics to this file for node_exporter's textfile collector, atomically (a temporary file renamed into place). For login nodes where no port may be opened. Unset: no file.",
      },
    ),
  }),
  {
    type: 'table',
    added: true,
    description:
      'Prometheus metrics of `run` and `run-single`. Optional: without it, no metrics are published.',
  },
);

export interface MetricsSection {
  listen?: string | undefined;
  textfile?: string | undefined;
}
