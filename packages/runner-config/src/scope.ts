import type { ConfigProblem } from './errors.js';
import type { Config } from './schema.js';

/** What a config covers in GitLab: one project (the original's `project`), several, or a group. */
export type ConfigScope =
  | { kind: 'project'; project: string }
  | { kind: 'projects'; projects: string[] }
  | { kind: 'group'; group: string; includeSubgroups: boolean };

const SCOPE_KEYS = ['project', 'projects', 'group'] as const;

/** The scope of a parsed config (the parser made sure exactly one of the keys is set). */
export function configScope(
  config: Pick<Config, 'project' | 'projects' | 'group' | 'include_subgroups'>,
): ConfigScope {
  if (config.group !== undefined)
    return { kind: 'group', group: config.group, includeSubgroups: config.include_subgroups ?? true };
  if (config.projects !== undefined) return { kind: 'projects', projects: config.projects };
  return { kind: 'project', project: config.project ?? '' };
}

/** The scope in words for messages and summaries: `project a/b`, `3 projects (a/b, c/d, 7)`, `group g and its subgroups`. */
export function describeScope(scope: ConfigScope): string {
  if (scope.kind === 'project') return `project ${scope.project}`;
  if (scope.kind === 'projects')
    return `${scope.projects.length} project${scope.projects.length === 1 ? '' : 's'} (${scope.projects.join(', ')})`;
  return `group ${scope.group}${scope.includeSubgroups ? ' and its subgroups' : ' (without its subgroups)'}`;
}

/**
 * The problems of the top-level keys that say what the config covers, checked on the file's data: exactly
 * one of `project`, `projects` and `group`, and `include_subgroups` only with `group`.
 */
export function scopeProblems(data: Record<string, unknown>, lines: Map<string, number>): ConfigProblem[] {
  const present = SCOPE_KEYS.filter((key) => data[key] !== undefined);
  const problems: ConfigProblem[] = [];
  const at = (path: string, message: string, extra: Partial<ConfigProblem> = {}): ConfigProblem => {
    const line = lines.get(path);
    return line === undefined
      ? { path, message, ...extra }
      : { path, message: `line ${line}: ${message}`, line, ...extra };
  };
  if (present.length === 0) {
    problems.push({
      path: 'project',
      message:
        'project: missing; expected exactly one of `project` (one project), `projects` (several) or `group` (a group of projects)',
      expected: 'one of project, projects and group',
      found: 'nothing',
    });
  } else if (present.length > 1) {
    problems.push(
      at(
        present[1]!,
        `${present.join(' and ')}: only one of \`project\`, \`projects\` and \`group\` may be set; found ${present.length}`,
        { expected: 'one of project, projects and group', found: present.join(', ') },
      ),
    );
  }
  if (data.include_subgroups !== undefined && data.group === undefined) {
    problems.push(
      at('include_subgroups', 'include_subgroups: only allowed with `group`, which is not set', {
        expected: 'group to be set',
        found: 'no group',
      }),
    );
  }
  return problems;
}
