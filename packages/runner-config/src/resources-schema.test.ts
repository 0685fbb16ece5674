import { describe, expect, it } from 'vitest';
import { minimalConfig } from '../test/config-text.js';
import { ConfigError } from './errors.js';
import { instantiateLaunch } from './instantiate.js';
import { parseConfig } from './parse.js';
import { resourceValueProblem } from './resources-schema.js';

const file = '/etc/mr/config.toml';

const flex = `
[runners.flex]
tags = ["slurm"]
maximum_timeout = "3h"
[runners.flex.resources]
cpus = { default = "1", max = 64 }
mem = { default = "4G", pattern = "^[0-9]+[MG]$", max = "64G" }
gpus = { default = 0, max = 4 }
time = { default = "01:00:00", max = "2-00:00:00" }
partition = "batch"
`;

function parse(extra: string) {
  return parseConfig(`${minimalConfig()}\n${extra}`, { file, env: {} });
}

function problems(extra: string): string[] {
  try {
    parse(extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.message);
  }
  throw new Error('expected a ConfigError');
}

describe('[runners.<instance>.resources]', () => {
  it('reads specs and plain-string defaults, and maximum_timeout as milliseconds', () => {
    const config = parse(flex);
    expect(config.runners.flex).toMatchObject({
      maximum_timeout: 3 * 3600_000,
      max_resource_runners: 8,
      resource_runner_idle: 3600_000,
      resources: {
        cpus: { default: '1', max: 64 },
        gpus: { default: '0', max: 4 },
        partition: { default: 'batch' },
      },
    });
  });

  it('gives [launch] each resource as its upper-case variable, from the launch or the default', () => {
    const config = parse(flex);
    const launch = instantiateLaunch(config, 'flex', {
      thisPath: '/bin/mr',
      env: {},
      home: '/home/u',
      configPath: '/c.toml',
      numJobs: 1,
      runnerName: 'flex.cpus-8',
      resources: { cpus: '8' },
    });
    expect(launch.stdin ?? '').not.toContain('$CPUS');
    const args = instantiateLaunch(
      { ...config, launch: { ...config.launch!, args: ['$NAME', '$CPUS', '$MEM', '$GPUS', '$TIME'] } },
      'flex',
      {
        thisPath: '/bin/mr',
        env: {},
        home: '/h',
        configPath: '/c',
        numJobs: 1,
        runnerName: 'flex.cpus-8',
        resources: { cpus: '8' },
      },
    ).args;
    expect(args).toEqual(['flex.cpus-8', '8', '4G', '0', '01:00:00']);
  });

  it.each([
    [
      'cpus = { default = "100", max = 64 }',
      /runners\.flex\.resources\.cpus\.default: .*"100" is above max 64/,
    ],
    ['mem = { default = "4T", pattern = "^[0-9]+[MG]$" }', /mem\.default: .*does not match the pattern/],
    ['time = { default = "1h" }', /time\.default: .*not a Slurm time/],
    ['time = { default = "10", max = "soon" }', /time\.max: expected a Slurm time/],
    ['cpus = { default = "1", pattern = "(" }', /cpus\.pattern: expected a regular expression/],
    ['CPUS = "1"', /expected a resource key/],
    ['num_jobs = "1"', /expected a resource key/],
    ['cpus = { default = "1;reboot" }', /may hold only letters, digits/],
  ])('refuses %s', (line, message) => {
    expect(
      problems(`[runners.flex]\ntags = ["slurm"]\n[runners.flex.resources]\n${line}\n`).join('\n'),
    ).toMatch(message);
  });

  it("refuses a maximum_timeout under GitLab's 10 minutes", () => {
    expect(problems('[runners.flex]\ntags = ["slurm"]\nmaximum_timeout = "5m"\n').join('\n')).toMatch(
      /maximum_timeout: expected at least 10 minutes/,
    );
  });
});

describe('resourceValueProblem', () => {
  it.each([
    ['cpus', { default: '1', max: 64 }, '64', undefined],
    ['cpus', { default: '1', max: 64 }, '65', /above max 64/],
    ['cpus', { default: '1', min: 1 }, '0', /below min 1/],
    ['cpus', { default: '1', max: 64 }, 'many', /not a number/],
    ['mem', { default: '4G', max: '64G' }, '65536M', undefined],
    ['mem', { default: '4G', max: '64G' }, '65G', /above max 64G/],
    ['time', { default: '60', max: '2-00:00:00' }, '2-00:00:01', /above max/],
    ['time', { default: '60', max: 120 }, '02:00:00', undefined],
    ['time', { default: '60', max: 120 }, '121', /above max 120/],
    ['gpus', { default: '0' }, 'a b', /may hold only/],
  ])('%s=%s with %j: %s', (key, spec, value, expected) => {
    const problem = resourceValueProblem(key, spec, value);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
