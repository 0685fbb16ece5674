import { type ExpandOptions, tryExpand, type Variables } from '@mr/template';

/**
 * Expands a template, leaving every undefined variable as written (`$FOO`, `${FOO}`) instead of failing.
 * Used for text shown to people, such as the executor's `description`. A template with a syntax error is
 * returned unchanged.
 */
export function expandKeepingUndefined(template: string, variables: Variables, options: ExpandOptions = {}) {
  const first = tryExpand(template, variables, options);
  if (first.ok) return first.value;
  if (first.problems.some((p) => p.code !== 'MR_TEMPLATE_UNDEFINED_VARIABLE')) return template;
  // Escape the `$` of every undefined reference ("$$" is a literal "$") and expand again.
  const escaped = new Set(first.problems.map((p) => p.index));
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    literal += escaped.has(i) ? '$$' : template[i];
  }
  const second = tryExpand(literal, variables, options);
  return second.ok ? second.value : template;
}
