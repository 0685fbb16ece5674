import type { Argv } from 'yargs';
import type { CommandSpec } from './command.js';

/** `gitlab-meta-runner status`: what the launcher state of a data directory says. */
export const statusCommand: CommandSpec = {
  command: 'status',
  describe:
    'Show runners in flight per instance (batch job ids, age), the last cycle, pickup times, launch backoff and recent failures, whether a launcher holds the data directory, and the registered runners with their token expiry; --watch keeps it on the screen',
  builder: (y: Argv) =>
    y
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print one JSON document (for scripts); with --watch, one JSON line per change',
      })
      .option('watch', {
        type: 'boolean',
        default: false,
        describe:
          'Show the figures live until Ctrl-C: redrawn in place on a terminal, else a block of lines with a timestamp each time they change',
      })
      .option('interval', {
        type: 'string',
        describe: 'How often --watch looks again (a duration: 2, 5s, 1m)',
        defaultDescription: '2s',
      }),
  examples: [
    ['$0 status', 'a summary for people'],
    ['$0 status --json | jq ".in_flight | length"', 'count runners in flight from a script'],
    ['$0 status --watch', 'live figures on a login node, redrawn every 2 s'],
    ['$0 status --watch --json --interval 10s >> status.jsonl', 'a JSON line whenever something changed'],
  ],
  load: async () => (await import('../handlers/status.js')).statusHandler,
};
