import { describe, expect, it } from 'vitest';
import { scanArgv } from './global-options.js';

describe('scanArgv', () => {
  it.each([
    [['executor', 'a', 'config'], { verbose: 0, quiet: false }, ['executor', 'a', 'config'], true],
    [
      ['--config-file', 'c.toml', 'executor', 'a', 'run', '/s', 'build_script', '-v'],
      { configFile: 'c.toml', verbose: 1, quiet: false },
      ['executor', 'a', 'run', '/s', 'build_script'],
      true,
    ],
    [
      ['--data-dir=/d', '-vv', '-q', 'run', '--generated-config-file', 'g.toml'],
      { dataDir: '/d', generatedConfigFile: 'g.toml', verbose: 2, quiet: true },
      ['run'],
      true,
    ],
    [['--log-format', 'json', 'run'], { logFormat: 'json', verbose: 0, quiet: false }, ['run'], true],
    [['--log-format', 'xml', 'run'], { verbose: 0, quiet: false }, ['run'], false],
    [['executor', '--help'], { verbose: 0, quiet: false }, ['executor', '--help'], false],
    [['--config-file'], { verbose: 0, quiet: false }, [], false],
  ])('scans %j', (argv, options, rest, simple) => {
    expect(scanArgv(argv)).toEqual({ options, rest, simple });
  });
});
