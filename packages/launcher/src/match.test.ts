import { describe, expect, it } from 'vitest';
import { canTake, JobMatcher, type MatchableInstance, matchJobs } from './match.js';

const inst = (name: string, tags: string[], extra: Partial<MatchableInstance> = {}): MatchableInstance => ({
  name,
  tags,
  runUntagged: false,
  ...extra,
});

describe('matching a job to an instance', () => {
  const instances = [
    inst('gpu-big', ['gpu', 'a100', 'big']),
    inst('gpu', ['gpu', 'a100']),
    inst('cpu', ['cpu']),
    inst('any', ['cpu', 'gpu', 'a100', 'big', 'huge'], { runUntagged: true }),
    inst('plain', [], { runUntagged: true }),
  ];
  const matcher = new JobMatcher(instances);

  it.each([
    { tags: ['gpu'], expected: 'gpu', why: 'fewest tags among the instances that have all of the job tags' },
    { tags: ['a100', 'gpu'], expected: 'gpu', why: 'tag order does not matter' },
    { tags: ['big'], expected: 'gpu-big', why: 'only supersets qualify' },
    { tags: ['cpu'], expected: 'cpu', why: 'exact tag set' },
    { tags: ['huge'], expected: 'any', why: 'the only instance with the tag' },
    { tags: ['cpu', 'gpu'], expected: 'any', why: 'all tags are needed' },
    { tags: [], expected: 'plain', why: 'untagged jobs go to run_untagged instances, fewest tags first' },
    { tags: ['tpu'], expected: undefined, why: 'no instance has the tag' },
    { tags: ['gpu', 'gpu'], expected: 'gpu', why: 'repeated tags count once' },
  ])('$tags → $expected ($why)', ({ tags, expected }) => {
    expect(matcher.match(tags)?.name).toBe(expected);
  });

  it('never gives an untagged job to an instance registered without run_untagged', () => {
    const m = new JobMatcher([inst('a', ['x']), inst('b', [])]);
    expect(m.match([])).toBeUndefined();
    expect(canTake(inst('b', []), [])).toBe(false);
    expect(canTake(inst('b', [], { runUntagged: true }), [])).toBe(true);
  });

  it('breaks ties by launch_priority (highest first, none last), then by name', () => {
    const tied = [
      inst('zeta', ['t', 'x']),
      inst('alpha', ['t', 'y']),
      inst('mid', ['t', 'z'], { launchPriority: 1 }),
      inst('top', ['t', 'w'], { launchPriority: 5 }),
    ];
    expect(new JobMatcher(tied).match(['t'])?.name).toBe('top');
    expect(new JobMatcher(tied.slice(0, 3)).match(['t'])?.name).toBe('mid');
    expect(new JobMatcher(tied.slice(0, 2)).match(['t'])?.name).toBe('alpha');
    expect(new JobMatcher([...tied.slice(0, 2)].reverse()).match(['t'])?.name).toBe('alpha');
  });

  it('does not confuse an untagged job with a job tagged with the empty string', () => {
    const m = new JobMatcher([inst('e', [''])]);
    expect(m.match([''])?.name).toBe('e');
    expect(m.match([])).toBeUndefined();
    expect(m.match([''])?.name).toBe('e');
  });

  it('groups pending jobs by instance, oldest first, and lists the unmatched ones', () => {
    const result = matchJobs(
      [
        { id: 30, tag_list: ['gpu'] },
        { id: 10, tag_list: ['gpu'] },
        { id: 20, tag_list: ['cpu'] },
        { id: 40, tag_list: ['tpu'] },
        { id: 5, tag_list: ['nope'] },
      ],
      matcher,
    );
    expect(result.byInstance.get('gpu')).toEqual([10, 30]);
    expect(result.byInstance.get('cpu')).toEqual([20]);
    expect(result.byInstance.get('plain')).toEqual([]);
    expect(result.unmatched.map((j) => j.id)).toEqual([5, 40]);
  });
});
