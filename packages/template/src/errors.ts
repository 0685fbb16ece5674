import { MetaRunnerError, type MetaRunnerErrorOptions } from '@mr/node-kit/errors';

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

/** The codes a {@link TemplateError} carries. */
export const TEMPLATE_ERROR_CODES = ['MR_TEMPLATE_UNDEFINED_VARIABLE', 'MR_TEMPLATE_SYNTAX'] as const;
export type TemplateErrorCode = (typeof TEMPLATE_ERROR_CODES)[number];

export interface TemplateErrorOptions extends MetaRunnerErrorOptions {
  template: string;
  problems: readonly TemplateProblem[];
}

/**
 * Thrown by {@link expand} with every problem of the template, not only the first. Code
 * `MR_TEMPLATE_UNDEFINED_VARIABLE` when every problem is an undefined variable, else `MR_TEMPLATE_SYNTAX`.
 * Callers add the config key path and runner instance through `context`.
 */
export class TemplateError extends MetaRunnerError<TemplateErrorCode> {
  override name = 'TemplateError';
  readonly problems: readonly TemplateProblem[];
  readonly template: string;

  constructor(code: TemplateErrorCode, message: string, options: TemplateErrorOptions) {
    super(code, message, options);
    this.template = options.template;
    this.problems = options.problems;
  }

  /** The error for these problems of `template`, its message prefixed with `context`. */
  static fromProblems(
    template: string,
    problems: readonly TemplateProblem[],
    context?: string,
  ): TemplateError {
    const detail = problems.map((p) => p.message).join('; ');
    const code = problems.every((p) => p.code === 'MR_TEMPLATE_UNDEFINED_VARIABLE')
      ? 'MR_TEMPLATE_UNDEFINED_VARIABLE'
      : 'MR_TEMPLATE_SYNTAX';
    return new TemplateError(code, context ? `${context}: ${detail}` : detail, { template, problems });
  }

  /** The names of all undefined variables, in order of appearance, without repeats. */
  get undefinedVariables(): string[] {
    const names = this.problems
      .filter((p) => p.code === 'MR_TEMPLATE_UNDEFINED_VARIABLE')
      .map((p) => p.variable!);
    return [...new Set(names)];
  }
}
