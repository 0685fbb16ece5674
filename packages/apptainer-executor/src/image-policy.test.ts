import { describe, expect, it } from 'vitest';
import { checkImageAllowed, choosePullPolicies, isImageAllowed, jobPullPolicies } from './image-policy.js';
import { parseImageReference } from './image-reference.js';

describe('allowed_images', () => {
  it.each([
    ['alpine:3', ['alpine:*'], true],
    ['alpine:3', ['docker.io/library/*'], true],
    ['alpine:3', ['docker.io/library/*:*'], true],
    ['ghcr.io/org/team/app:1', ['ghcr.io/org/*'], false],
    ['ghcr.io/org/team/app:1', ['ghcr.io/org/**'], true],
    ['ghcr.io/org/app:1', ['ghcr.io/other/**'], false],
    ['docker://ghcr.io/org/app:1', ['ghcr.io/org/*'], true],
    ['ubuntu:24.04', ['alpine:*', 'ubuntu:2?.04'], true],
    ['evil.io/library/alpine:3', ['*/library/alpine:*'], true],
    ['evil.io/library/alpine:3', ['docker.io/library/alpine:*'], false],
  ])('%s with %j: %s', (name, patterns, allowed) => {
    expect(isImageAllowed(parseImageReference(name), patterns)).toBe(allowed);
  });

  it('fails a job whose image is not allowed as a build failure naming the patterns', () => {
    expect(() => checkImageAllowed(parseImageReference('busybox'), ['alpine:*'])).toThrow(
      expect.objectContaining({
        code: 'MR_EXECUTOR_IMAGE_NOT_ALLOWED',
        failure: 'build',
        details: ['allowed_images: "alpine:*"'],
      }),
    );
    expect(() => checkImageAllowed(parseImageReference('busybox'), undefined)).not.toThrow();
  });
});

describe('pull policies', () => {
  it.each([
    [[], 'if-not-present', undefined, ['if-not-present']],
    [['always'], 'if-not-present', undefined, ['always']],
    [['always', 'if-not-present'], 'never', undefined, ['always', 'if-not-present']],
    [['always', 'if-not-present'], 'never', ['if-not-present'], ['if-not-present']],
    [[], 'always', ['always', 'never'], ['always']],
  ] as const)('job %j, runner %s, allowed %j → %j', (job, runner, allowed, expected) => {
    expect(choosePullPolicies(job, runner, allowed)).toEqual(expected);
  });

  it('fails when none of the wanted policies is allowed', () => {
    expect(() => choosePullPolicies(['always'], 'never', ['if-not-present'])).toThrow(
      expect.objectContaining({ code: 'MR_EXECUTOR_PULL_POLICY_NOT_ALLOWED', failure: 'build' }),
    );
    expect(() => choosePullPolicies([], 'always', ['never'])).toThrow(/runner's pull_policy \(always\)/);
  });

  it('reads a job pull_policy given as a string or a list, and rejects unknown ones', () => {
    expect(jobPullPolicies('always')).toEqual(['always']);
    expect(jobPullPolicies(null)).toEqual([]);
    expect(() => jobPullPolicies(['sometimes'])).toThrow(/"sometimes" is unknown/);
  });
});
