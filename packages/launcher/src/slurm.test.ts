import { describe, expect, it } from 'vitest';
import { parseSlurmComment, parseSqueue, slurmBatchSystem, slurmComment, userSetsJobName } from './slurm.js';

const tag = { name: 'meta runner', instance: 'gpu|big', numJobs: 3, launchId: 'abc-123' };

describe('Slurm tagging', () => {
  it('writes a comment that reads back to the same tag, whatever the names contain', () => {
    const comment = slurmComment(tag);
    expect(comment).not.toContain('|');
    expect(parseSlurmComment(comment)).toEqual(tag);
  });

  it.each([
    '',
    'a user comment',
    'gitlab-meta-runner name=x',
    'gitlab-meta-runner name=x instance=y jobs=0 launch=z',
  ])('ignores comments that are not a complete tag: %j', (comment) => {
    expect(parseSlurmComment(comment)).toBeUndefined();
  });

  it.each([
    { args: ['-J', 'mine'], stdin: undefined, expected: true },
    { args: ['-Jmine'], stdin: undefined, expected: true },
    { args: ['--job-name=mine'], stdin: undefined, expected: true },
    {
      args: ['--partition=gpu'],
      stdin: '#!/bin/bash\n#SBATCH --time=10\n#SBATCH -J mine\nrun\n',
      expected: true,
    },
    { args: [], stdin: '#!/bin/bash\n\n#SBATCH --job-name=mine\n', expected: true },
    { args: [], stdin: '#!/bin/bash\necho hi\n#SBATCH -J too-late\n', expected: false },
    { args: ['--parsable'], stdin: '#!/bin/bash\n#SBATCH --time=10\n', expected: false },
  ])('sees whether the user names the job: $args $stdin', ({ args, stdin, expected }) => {
    expect(userSetsJobName(args, stdin)).toBe(expected);
  });

  it('puts the job name and the comment before the user arguments, and keeps a name the user chose', () => {
    const slurm = slurmBatchSystem({ sbatch: 'sbatch', env: {}, user: 'me' });
    expect(slurm.tagArgs(tag, ['--parsable'], undefined)).toEqual([
      '--job-name=meta runner-gpu|big',
      `--comment=${slurmComment(tag)}`,
    ]);
    expect(slurm.tagArgs(tag, ['-J', 'x'], undefined)).toEqual([`--comment=${slurmComment(tag)}`]);
  });
});

describe('reading squeue', () => {
  it('keeps queued and running jobs with their tags and leaves out ended ones', () => {
    const out = [
      `101|PENDING|${slurmComment(tag)}`,
      '102|RUNNING|',
      '103|COMPLETING|x',
      '104|CONFIGURING|a|b|c',
      '105|COMPLETED|',
      '',
    ].join('\n');
    const status = parseSqueue(out);
    expect([...status.jobs.keys()]).toEqual(['101', '102', '104']);
    expect(status.jobs.get('101')).toEqual({ id: '101', cluster: undefined, state: 'queued', tag });
    expect(status.jobs.get('102')?.state).toBe('running');
    expect(status.jobs.get('104')?.state).toBe('queued');
  });

  it('reads the cluster of multi-cluster output', () => {
    const status = parseSqueue('CLUSTER: north\n7|PENDING|\nCLUSTER: south\n7|RUNNING|\n');
    expect(status.jobs.get('7;north')?.state).toBe('queued');
    expect(status.jobs.get('7;south')?.state).toBe('running');
  });
});
