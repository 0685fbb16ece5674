import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastJobList, JobInterner, jobListSchema } from './schemas.js';

const job = {
  id: 1,
  tag_list: ['a'],
  name: 'n',
  status: 'pending',
  pipeline: { id: 2, project_id: 3 },
  extra: {},
};

describe('fastJobList (the fast path for job pages)', () => {
  it.each([
    ['a GitLab job page', [job], true],
    [
      'nulls where GitLab sends them',
      [{ id: 1, tag_list: [], name: null, pipeline: null, queued_duration: null }],
      true,
    ],
    ['a job without tag_list', [{ id: 1 }], false],
    ['a job with a string id', [{ id: '1', tag_list: [] }], false],
    ['a tag that is not a string', [{ id: 1, tag_list: [1] }], false],
    ['a pipeline that is an array', [{ id: 1, tag_list: [], pipeline: [] }], false],
    ['an object instead of a list', { id: 1, tag_list: [] }, false],
  ])('%s → %s, like the schema', (_name, data, expected) => {
    const schema = jobListSchema.safeParse(data);
    expect(schema.success).toBe(expected);
    expect(fastJobList(data)).toEqual(expected ? schema.data : undefined);
  });

  it('never accepts what the schema rejects, and outputs what the schema outputs', () => {
    const loose = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
    );
    const value = fc.oneof(
      loose,
      fc.array(fc.oneof(fc.string(), fc.integer())),
      fc.record({ id: loose, project_id: loose }),
    );
    const arbitraryJob = fc.record(
      {
        id: fc.oneof(fc.integer(), loose),
        tag_list: fc.oneof(fc.array(fc.string()), value),
        name: value,
        status: value,
        stage: value,
        ref: value,
        created_at: value,
        started_at: value,
        web_url: value,
        queued_duration: value,
        pipeline: fc.oneof(value, fc.record({ id: value, project_id: value, ref: value, status: value })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(arbitraryJob, { maxLength: 3 }), (data) => {
        const fast = fastJobList(data);
        if (fast) expect(jobListSchema.safeParse(data)).toEqual({ success: true, data: fast });
      }),
      { numRuns: 2_000 },
    );
  });

  it('shares equal tag lists, strings and pipelines between the jobs of one listing', () => {
    const interner = new JobInterner();
    const page = (id: number) => [
      { id, tag_list: ['a', 'b'], stage: 'test', pipeline: { id: 5, status: 'running' } },
    ];
    const [first] = fastJobList(page(1), interner)!;
    const [second] = fastJobList(page(2), interner)!;
    expect(second!.tag_list).toBe(first!.tag_list);
    expect(Object.isFrozen(first!.tag_list)).toBe(true);
    expect(second!.pipeline).toBe(first!.pipeline);
    const [other] = fastJobList([{ id: 3, tag_list: ['a'] }], interner)!;
    expect(other!.tag_list).toEqual(['a']);
  });
});
