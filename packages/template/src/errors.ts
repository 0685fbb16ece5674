/** Stable codes of the problems a template can have. */
export type TemplateProblemCode =
  | 'MR_TEMPLATE_UNDEFINED_VARIABLE'
  | 'MR_TEMPLATE_UNTERMINATED_BRACE'
  | 'MR_TEMPLATE_BAD_NAME'
  | 'MR_TEMPLATE_NO_HOME';

/** One problem found while expanding a template. */
export interface TemplateProblem {
  code: TemplateProblemCode;
  /** The variable concerned, when there is one. */
  variable?: string;
  /** Offset of the `$` or `~` that starts the problem, in UTF-16 code units (as `String#slice` counts). */
  index: number;
  /** 1-based position in characters (code points), for messages. */
  position: number;
  message: string;
}

/**
 * Thrown by {@link expand} with every problem of the template, not only the first.
 * Callers add the config key path and runner instance through `context`.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly code: 'MR_TEMPLATE_UNDEFINED_VARIABLE' | 'MR_TEMPLATE_SYNTAX';
  readonly problems: readonly TemplateProblem[];
  readonly template: string;

  constructor(template: string, problems: readonly TemplateProblem[], context?: string) {
    const detail = problems.map((p) => p.message).join('; ');
    super(context ? `${context}: ${detail}` : detail);
    this.template = template;
    this.problems = problems;
    this.code = problems.every((p) => p.code === 'MR_TEMPLATE_UNDEFINED_VARIABLE')
      ? 'MR_TEMPLATE_UNDEFINED_VARIABLE'
      : 'MR_TEMPLATE_SYNTAX';
  }

  /** The names of all undefined variables, in order of appearance, without repeats. */
  get undefinedVariables(): string[] {
    const names = this.problems
      .filter((p) => p.code === 'MR_TEMPLATE_UNDEFINED_VARIABLE')
      .map((p) => p.variable!);
    return [...new Set(names)];
  }
}
