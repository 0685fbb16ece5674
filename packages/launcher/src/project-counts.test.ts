import { describe, expect, it } from 'vitest';
import { countByProject, projectsOfJobs } from './project-counts.js';

describe('countByProject', () => {
  it('counts pending, matched, unmatched and launched-for jobs per project, in path order', () => {
    const jobs = [
      { id: 1, tag_list: ['a'], project: 'lab/b' },
      { id: 2, tag_list: ['a'], project: 'lab/a' },
      { id: 3, tag_list: ['x'], project: 'lab/b' },
      { id: 4, tag_list: ['a'], project: 'lab/b' },
      { id: 5, tag_list: ['a'] },
    ];
    expect(countByProject(jobs, new Set([1, 2, 4, 5]), new Set([4, 5]))).toEqual([
      { project: 'lab/a', pending: 1, matched: 1, unmatched: 0, launched: 0 },
      { project: 'lab/b', pending: 3, matched: 2, unmatched: 1, launched: 1 },
    ]);
  });
});

describe('projectsOfJobs', () => {
  it('names each project once, in the order of the jobs, leaving out jobs without one', () => {
    const of = new Map([
      [1, 'b'],
      [2, 'a'],
      [3, 'b'],
    ]);
    expect(projectsOfJobs([3, 9, 2, 1], of)).toEqual(['b', 'a']);
  });
});
