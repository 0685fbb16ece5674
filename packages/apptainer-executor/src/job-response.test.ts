import { describe, expect, it } from 'vitest';
import { jobResponseProblems, parseJobResponse } from './job-response.js';

const good = { id: 7, token: 'glcbt-secret-token', image: { name: 'alpine' }, variables: null };

describe('job response', () => {
  it.each([
    ['[]', 'the file holds an array, expected a JSON object'],
    ['null', 'the file holds null, expected a JSON object'],
    ['{"variables": []}', 'image is missing'],
    ['{"image": {}}', 'variables is missing'],
    ['{"image": "alpine", "variables": []}', 'image is a string, expected an object'],
    ['{"image": {"name": 3}, "variables": []}', 'image.name is a number, expected a string'],
    [
      '{"image": {"pull_policy": [1]}, "variables": []}',
      'image.pull_policy[0] is a number, expected a string',
    ],
    ['{"image": {}, "variables": {"a": "b"}}', 'variables is an object, expected an array'],
    [
      '{"image": {}, "variables": [{"key": "A", "value": 1}]}',
      'variables[0].value is a number, expected a string',
    ],
    ['{"image": {}, "variables": ["A=1"]}', 'variables[0] is a string, expected an object'],
    [
      '{"image": {}, "variables": [], "credentials": [{"password": true}]}',
      'credentials[0].password is a boolean, expected a string',
    ],
    ['{"image": {}, "variables": [], "id": "7"}', 'id is a string, expected an integer'],
  ])('names the bad field of %s', (text, problem) => {
    expect(jobResponseProblems(JSON.parse(text))).toEqual([problem]);
  });

  it('accepts what gitlab-runner writes, also variables: null and image: null', () => {
    expect(jobResponseProblems(good)).toEqual([]);
    expect(jobResponseProblems({ image: null, variables: [] })).toEqual([]);
    expect(parseJobResponse(JSON.stringify(good), '/f').image?.name).toBe('alpine');
  });

  it('lists every problem at once and never quotes the content', () => {
    const text = JSON.stringify({
      token: 'glcbt-secret-token',
      image: 5,
      variables: [{ key: 1, value: 'secret-value' }],
    });
    const error = (() => {
      try {
        parseJobResponse(text, '/tmp/job.json');
      } catch (e) {
        return e as { code: string; message: string; details: string[] };
      }
    })();
    expect(error?.code).toBe('MR_EXECUTOR_JOB_RESPONSE');
    expect(error?.details).toEqual([
      'image is a number, expected an object',
      'variables[0].key is a number, expected a string',
    ]);
    expect(JSON.stringify(error) + error?.message).not.toContain('secret');
    expect(() => parseJobResponse('{"token": "glcbt-secret-token",', '/f')).toThrow(
      '/f: it is not valid JSON',
    );
  });
});
