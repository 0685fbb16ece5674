import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner doctor`: a checklist of the setup, with the fix for each failure. */
export const doctorCommand: CommandSpec = {
  command: 'doctor',
  describe:
    'Check the setup: config, GitLab reachable (DNS, TLS, CA, proxy), management token (valid, expiry, scopes), project, runner tokens, generated config (0600), launch command; --batch also checks a compute node. Exit 0 only when everything needed holds',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document (for scripts)' })
      .option('batch', {
        type: 'string',
        describe:
          'Also submit one short batch job through [launch] of this instance (default: the first) and check what the compute node has',
      })
      .option('batch-timeout', {
        type: 'number',
        describe: 'Seconds to wait for the batch job to report',
        defaultDescription: '600',
      })
      .option('node-report', { type: 'string', hidden: true })
      .option('node-instance', { type: 'string', hidden: true })
      .option('node-time-limit', { type: 'number', hidden: true }),
  examples: [
    ['$0 doctor', 'check the setup'],
    ['$0 doctor --batch gpu', 'also check a compute node through the launch command of instance gpu'],
    ['$0 doctor --json | jq ".checks[] | select(.status == \\"fail\\")"', 'the failures, for scripts'],
  ],
  load: async () => (await import('../handlers/doctor.js')).doctorHandler,
};
