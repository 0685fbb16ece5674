import { describe, expect, it } from 'vitest';
import { JobMatcher } from './match.js';
import { matchWithResources, type ResourceInstance } from './resources.js';

const flex: ResourceInstance = {
  name: 'flex',
  tags: ['slurm'],
  runUntagged: false,
  resources: {
    cpus: { default: '1', max: 64 },
    mem: { default: '4G', pattern: '^[0-9]+[MG]$' },
    gpus: { default: '0', max: 4 },
    time: { default: '01:00:00', max: '1-00:00:00' },
  },
};
const plain: ResourceInstance = { name: 'cpu', tags: ['cpu'], runUntagged: true };
const instances = [flex, plain];

function match(tags: string[]) {
  const result = matchWithResources(
    [{ id: 1, tag_list: tags }],
    new JobMatcher(instances),
    new Map(instances.map((i) => [i.name, i])),
  );
  const runner = [...result.byInstance].find(([, ids]) => ids.includes(1))?.[0];
  return { runner, set: runner ? result.sets.get(runner) : undefined, refused: result.refused[0]?.reason };
}

describe('matchWithResources', () => {
  it.each([
    [['slurm'], 'flex'],
    [[], 'cpu'],
    [['cpu'], 'cpu'],
    [['slurm', 'cpus=8'], 'flex.cpus-8'],
    [['cpus=8', 'slurm', 'gpus=2'], 'flex.cpus-8.gpus-2'],
    [['slurm', 'gpus=2', 'cpus=8'], 'flex.cpus-8.gpus-2'],
    [['cpus=8'], 'flex.cpus-8'],
    [['slurm', 'mem=512M'], 'flex.mem-512M'],
  ])('matches a job tagged %j to runner %s', (tags, runner) => {
    expect(match(tags)).toMatchObject({ runner, refused: undefined });
  });

  it('gives the runner of a set the instance tags plus the resource tags, and the values', () => {
    expect(match(['slurm', 'gpus=2', 'cpus=8']).set).toEqual({
      name: 'flex.cpus-8.gpus-2',
      instance: 'flex',
      resources: { cpus: '8', gpus: '2' },
      tags: ['slurm', 'cpus=8', 'gpus=2'],
    });
    expect(match(['slurm', 'time=04:00:00']).set?.name).toMatch(/^flex\.time-04_00_00\.[0-9a-z]+$/);
  });

  it.each([
    [['slurm', 'cpus=65'], 'instance flex: cpus: "65" is above max 64'],
    [['slurm', 'gpus=many'], 'instance flex: gpus: "many" is not a number'],
    [['slurm', 'mem=4T'], 'instance flex: mem: "4T" does not match the pattern ^[0-9]+[MG]$'],
    [['slurm', 'time=2-00:00:00'], 'instance flex: time: "2-00:00:00" is above max 1-00:00:00'],
    [['slurm', 'disk=10G'], 'instance flex: disk is not a resource of instance flex'],
    [['slurm', 'cpus=2', 'cpus=4'], 'instance flex: cpus is asked for twice (2, 4)'],
    [['slurm', 'cpus=$(reboot)'], 'instance flex: cpus: "$(reboot)" may hold only'],
  ])('refuses a job tagged %j: %s', (tags, reason) => {
    const m = match(tags);
    expect(m.runner).toBeUndefined();
    expect(m.refused).toContain(reason);
  });

  it('leaves a job with a tag no instance has unmatched, without a resource reason', () => {
    expect(match(['other', 'cpus=2'])).toEqual({ runner: undefined, set: undefined, refused: undefined });
  });
});
