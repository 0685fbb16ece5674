import { describe, expect, it } from 'vitest';
import { withConfigFile } from './executor-commands.js';
import type { InstantiatedCustom } from './instantiate.js';

const self = '/opt/mr/bin/gitlab-meta-runner';
const file = '/home/me/site/meta.toml';

function custom(exec: string, args: (step: string) => string[]): InstantiatedCustom {
  return {
    config_exec: exec,
    config_args: args('config'),
    prepare_exec: exec,
    prepare_args: args('prepare'),
    run_exec: exec,
    run_args: args('run'),
    cleanup_exec: exec,
    cleanup_args: args('cleanup'),
  };
}

describe('withConfigFile', () => {
  it.each([
    [
      'the default commands',
      custom(self, (s) => ['executor', 'gpu', s]),
      (s: string) => ['--config-file', file, 'executor', 'gpu', s],
    ],
    [
      'a wrapper that calls this program',
      custom('/usr/bin/env', (s) => ['A=1', self, 'executor', 'gpu', s]),
      (s: string) => ['A=1', self, '--config-file', file, 'executor', 'gpu', s],
    ],
    [
      'commands that name a config file already',
      custom(self, (s) => ['--config-file', '/other.toml', 'executor', 'gpu', s]),
      (s: string) => ['--config-file', '/other.toml', 'executor', 'gpu', s],
    ],
    [
      'commands that call another program',
      custom('/usr/local/bin/my-executor', (s) => ['executor', s]),
      (s: string) => ['executor', s],
    ],
  ])('names the config file in %s as needed', (_name, input, expected) => {
    const out = withConfigFile(input, self, file);
    for (const step of ['config', 'prepare', 'run', 'cleanup'] as const) {
      expect(out[`${step}_exec`]).toBe(input[`${step}_exec`]);
      expect(out[`${step}_args`]).toEqual(expected(step));
    }
  });
});
