import { scopes, tryExpand, type VariableLookup } from '@mr/template';
import { ConfigError, type ConfigProblem, countProblems } from './errors.js';
import type { InstanceContext } from './executor-instance.js';

const TEMPLATE_HINT =
  'define the variable in [runners.<instance>.config_variables] or in the environment; write $$ for a literal $';

/** Expands the templates of one section for one instance, collecting every problem. */
export class SectionExpander {
  readonly problems: ConfigProblem[] = [];
  private readonly lookup: VariableLookup;

  constructor(
    private readonly section: 'runner' | 'launch',
    private readonly instance: string,
    special: Record<string, string>,
    variables: Record<string, string>,
    private readonly ctx: InstanceContext,
  ) {
    this.lookup = scopes(special, variables, ctx.env);
  }

  private problem(key: string, message: string, variable?: string) {
    const path = `${this.section}.${key}`;
    this.problems.push({
      path,
      message: `${path} (instance ${JSON.stringify(this.instance)}): ${message}`,
      section: this.section,
      instance: this.instance,
      ...(variable === undefined ? {} : { variable }),
    });
  }

  /** Expands one value. */
  string(key: string, template: string): string {
    const result = tryExpand(template, this.lookup, { home: this.ctx.home });
    if (result.ok) return result.value;
    for (const p of result.problems) this.problem(key, p.message, p.variable);
    return template;
  }

  optional(key: string, template: string | undefined): string | undefined {
    return template === undefined ? undefined : this.string(key, template);
  }

  strings(key: string, templates: readonly string[]): string[] {
    return templates.map((t, i) => this.string(`${key}[${i}]`, t));
  }

  /** Returns `value`, or throws one ConfigError (MR_CONFIG_TEMPLATE) with every problem. */
  done<T>(value: T): T {
    if (this.problems.length === 0) return value;
    throw templateError(
      `[${this.section}] for runner instance ${JSON.stringify(this.instance)}`,
      this.problems,
    );
  }
}

/** One ConfigError (MR_CONFIG_TEMPLATE) for every template problem of `subject` (`[runner] for runner instance "a"`). */
export function templateError(subject: string, problems: ConfigProblem[]): ConfigError {
  return new ConfigError(
    'MR_CONFIG_TEMPLATE',
    `cannot instantiate ${subject} (${countProblems(problems.length)})`,
    {
      problems,
      hint: problems.some((p) => p.variable) ? TEMPLATE_HINT : undefined,
    },
  );
}

/** `value` without its keys whose value is undefined. */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
