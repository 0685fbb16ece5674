import { describe, expect, it } from 'vitest';
import { nextPagePath, parseLinkHeader } from './pagination.js';

describe('parseLinkHeader', () => {
  it('reads every rel of a GitLab Link header', () => {
    const header =
      '<https://gl.example/api/v4/projects/1/jobs?page=2&per_page=100>; rel="next", <https://gl.example/api/v4/projects/1/jobs?page=1&per_page=100>; rel="first"';
    expect(Object.fromEntries(parseLinkHeader(header))).toEqual({
      next: 'https://gl.example/api/v4/projects/1/jobs?page=2&per_page=100',
      first: 'https://gl.example/api/v4/projects/1/jobs?page=1&per_page=100',
    });
  });

  it('accepts unquoted and multi-valued rels and ignores other parameters', () => {
    expect(Object.fromEntries(parseLinkHeader('<a>; title="x"; rel=next, <b>; rel="prev first"'))).toEqual({
      next: 'a',
      prev: 'b',
      first: 'b',
    });
    expect(parseLinkHeader(undefined).size).toBe(0);
  });
});

describe('nextPagePath', () => {
  const current = '/gitlab/api/v4/projects/1/jobs?scope%5B%5D=pending&per_page=100&page=1';

  it.each([
    [
      'a Link rel="next" on another host, moved under our API path',
      { link: '<https://external.example/gitlab/api/v4/projects/1/jobs?cursor=abc>; rel="next"' },
      '/gitlab/api/v4/projects/1/jobs?cursor=abc',
    ],
    [
      'x-next-page alone',
      { 'x-next-page': '2' },
      '/gitlab/api/v4/projects/1/jobs?scope%5B%5D=pending&per_page=100&page=2',
    ],
    ['an empty x-next-page on the last page', { 'x-next-page': '' }, undefined],
    ['no next-page signal at all', {}, undefined],
    [
      'a Link without rel="next"',
      { link: '<https://x/api/v4/projects/1/jobs?page=1>; rel="first"' },
      undefined,
    ],
  ])('follows %s', (_name, headers, expected) => {
    expect(nextPagePath(current, headers, '/gitlab/api/v4')).toBe(expected);
  });
});
