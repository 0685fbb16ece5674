import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner status`: what the launcher state of a data directory says. */
export const statusCommand: CommandSpec = {
  command: 'status',
  describe:
    'Show runners in flight per instance (batch job ids, age), launch backoff and recent failures, whether a launcher holds the data directory, and the registered runners with their token expiry',
  builder: (y: Argv) =>
    y.option('json', { type: 'boolean', default: false, describe: 'Print one JSON document (for scripts)' }),
  examples: [
    ['$0 status', 'a summary for people'],
    ['$0 status --json | jq ".in_flight | length"', 'count runners in flight from a script'],
  ],
  load: async () => (await import('../handlers/status.js')).statusHandler,
};
