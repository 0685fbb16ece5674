import { describe, expect, it } from 'vitest';
import { parseBatchJobId } from './batch-job-id.js';

describe('reading the batch job id from a launch command', () => {
  it.each([
    { out: '12345\n', kind: 'slurm', expected: { id: '12345' } },
    { out: '12345;cluster-a\n', kind: 'slurm', expected: { id: '12345', cluster: 'cluster-a' } },
    { out: 'Submitted batch job 777\n', kind: 'slurm', expected: { id: '777' } },
    { out: 'Submitted batch job 778 on cluster c2\n', kind: 'slurm', expected: { id: '778', cluster: 'c2' } },
    { out: 'sbatch: warning: low priority\n42\n', kind: 'slurm', expected: { id: '42' } },
    { out: '', kind: 'slurm', expected: undefined },
    { out: 'all good\n', kind: 'slurm', expected: undefined },
    { out: '4711.pbs-server\n', kind: 'generic', expected: { id: '4711.pbs-server' } },
    { out: 'Job <9001> is submitted to queue <normal>.\n', kind: 'generic', expected: { id: '9001' } },
    {
      out: 'Submitting job(s).\n1 job(s) submitted to cluster 88.\n',
      kind: 'generic',
      expected: { id: '88' },
    },
    { out: '\n  abc-1  \n\n', kind: 'generic', expected: { id: 'abc-1' } },
    { out: 'started the runner in the background\n', kind: 'generic', expected: undefined },
  ] as const)('$kind: $out', ({ out, kind, expected }) => {
    expect(parseBatchJobId(out, kind)).toEqual(expected);
  });
});
