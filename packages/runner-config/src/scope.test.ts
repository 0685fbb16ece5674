import { describe, expect, it } from 'vitest';
import { minimalConfig } from '../test/config-text.js';
import { ConfigError } from './errors.js';
import { parseConfig } from './parse.js';
import { configScope, describeScope } from './scope.js';

const file = '/etc/mr/config.toml';
const withScope = (lines: string) => minimalConfig().replace('project = "group/project"', lines);

function problems(text: string): string[] {
  try {
    parseConfig(text, { file, env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('MR_CONFIG_INVALID');
    return (error as ConfigError).details.map((d) => d.replace(/^line \d+: /, ''));
  }
  throw new Error('expected a ConfigError');
}

describe('configScope', () => {
  it.each([
    ['project = "group/project"', { kind: 'project', project: 'group/project' }],
    ['projects = ["a/b", 12]', { kind: 'projects', projects: ['a/b', '12'] }],
    ['group = "my-group"', { kind: 'group', group: 'my-group', includeSubgroups: true }],
    ['group = 42\ninclude_subgroups = false', { kind: 'group', group: '42', includeSubgroups: false }],
  ])('reads %j', (lines, scope) => {
    expect(configScope(parseConfig(withScope(lines), { file, env: {} }))).toEqual(scope);
  });

  it('describes each scope in words', () => {
    expect(describeScope({ kind: 'project', project: 'a/b' })).toBe('project a/b');
    expect(describeScope({ kind: 'projects', projects: ['a/b', '7'] })).toBe('2 projects (a/b, 7)');
    expect(describeScope({ kind: 'group', group: 'g', includeSubgroups: true })).toBe(
      'group g and its subgroups',
    );
  });
});

describe('the keys that say what a config covers', () => {
  it.each([
    [
      '',
      'project: missing; expected exactly one of `project` (one project), `projects` (several) or `group` (a group of projects)',
    ],
    [
      'project = "a/b"\ngroup = "g"',
      'project and group: only one of `project`, `projects` and `group` may be set; found 2',
    ],
    [
      'projects = ["a/b"]\ngroup = "g"\nproject = "c/d"',
      'project and projects and group: only one of `project`, `projects` and `group` may be set; found 3',
    ],
    [
      'project = "a/b"\ninclude_subgroups = true',
      'include_subgroups: only allowed with `group`, which is not set',
    ],
    ['projects = []', 'projects: expected at least one project, found an empty array'],
    ['projects = ["a/b", "a/b"]', 'projects: expected each project once, found an array of 2 items'],
    [
      'group = "/g"',
      'group: expected a group path such as "my-group" or "my-group/subgroup", or a numeric group id, found string "/g"',
    ],
    ['group = "g"\ninclude_subgroups = "yes"', 'include_subgroups: expected a boolean, found string "yes"'],
  ])('%j is refused, naming the keys', (lines, message) => {
    expect(problems(withScope(lines))).toContain(message);
  });

  it('reports a scope problem together with the other problems of the file', () => {
    const found = problems(
      withScope('group = "g"\nproject = "a/b"').replace('[poll]', '[poll]\nintervall = 3'),
    );
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/intervall: unknown key/);
    expect(found.join('\n')).toMatch(/only one of/);
  });
});
