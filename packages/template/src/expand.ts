import { TemplateError, type TemplateProblem } from './errors.js';
import { toLookup, type VariableLookup, type Variables } from './variables.js';

export interface ExpandOptions {
  /** The home directory that a leading `~` stands for. Without it, a leading `~` is a problem. */
  home?: string | undefined;
}

export type ExpandResult = { ok: true; value: string } | { ok: false; problems: TemplateProblem[] };

const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);

/** Length of the variable name starting at `i`, 0 when there is none. */
function nameLength(s: string, i: number): number {
  if (i >= s.length || !isNameStart(s.charCodeAt(i))) return 0;
  let j = i + 1;
  while (j < s.length && isNameChar(s.charCodeAt(j))) j++;
  return j - i;
}

/** Index of the `}` closing a `${` whose body starts at `start`, honouring nested `${...}`; -1 if none. */
function closingBrace(s: string, start: number): number {
  let depth = 1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 36 /* $ */ && s.charCodeAt(i + 1) === 36) {
      i++;
    } else if (c === 36 && s.charCodeAt(i + 1) === 123 /* { */) {
      depth++;
      i++;
    } else if (c === 125 /* } */ && --depth === 0) {
      return i;
    }
  }
  return -1;
}

class Expander {
  readonly problems: TemplateProblem[] = [];

  constructor(
    private readonly source: string,
    private readonly lookup: VariableLookup,
    private readonly home: string | undefined,
  ) {}

  private problem(code: TemplateProblem['code'], index: number, message: string, variable?: string) {
    const position = [...this.source.slice(0, index)].length + 1;
    this.problems.push({
      code,
      index,
      position,
      message: `${message} at position ${position}`,
      ...(variable === undefined ? {} : { variable }),
    });
  }

  /** Expands `source[from, to)`; `offset` maps to indices in the whole template for messages. */
  run(from: number, to: number): string {
    const s = this.source;
    let out = '';
    let i = from;
    if (from === 0 && s.charCodeAt(0) === 126 /* ~ */ && (to === 1 || s.charCodeAt(1) === 47) /* / */) {
      if (this.home === undefined) this.problem('MR_TEMPLATE_NO_HOME', 0, 'no home directory known for "~"');
      else out += this.home;
      i = 1;
    }
    while (i < to) {
      const dollar = s.indexOf('$', i);
      if (dollar === -1 || dollar >= to) {
        out += s.slice(i, to);
        break;
      }
      out += s.slice(i, dollar);
      const next = s.charCodeAt(dollar + 1);
      if (dollar + 1 < to && next === 36 /* $ */) {
        out += '$';
        i = dollar + 2;
      } else if (dollar + 1 < to && next === 123 /* { */) {
        i = this.braced(dollar, to, (text) => {
          out += text;
        });
      } else {
        const len = dollar + 1 < to ? Math.min(nameLength(s, dollar + 1), to - dollar - 1) : 0;
        if (len === 0) {
          out += '$';
          i = dollar + 1;
        } else {
          const name = s.slice(dollar + 1, dollar + 1 + len);
          out += this.value(name, dollar);
          i = dollar + 1 + len;
        }
      }
    }
    return out;
  }

  private value(name: string, index: number): string {
    const value = this.lookup(name);
    if (value === undefined) {
      this.problem('MR_TEMPLATE_UNDEFINED_VARIABLE', index, `undefined variable "${name}"`, name);
      return '';
    }
    return value;
  }

  /** Handles `${...}` starting at `dollar`; returns the index after it. */
  private braced(dollar: number, to: number, emit: (text: string) => void): number {
    const s = this.source;
    const bodyStart = dollar + 2;
    const close = closingBrace(s, bodyStart);
    if (close === -1 || close >= to) {
      this.problem('MR_TEMPLATE_UNTERMINATED_BRACE', dollar, 'unterminated "${"');
      return to;
    }
    const len = nameLength(s, bodyStart);
    const name = s.slice(bodyStart, bodyStart + len);
    const afterName = bodyStart + len;
    if (len > 0 && afterName === close) {
      emit(this.value(name, dollar));
    } else if (len > 0 && s.startsWith(':-', afterName)) {
      const value = this.lookup(name);
      emit(value === undefined || value === '' ? this.run(afterName + 2, close) : value);
    } else {
      const body = s.slice(bodyStart, close);
      this.problem(
        'MR_TEMPLATE_BAD_NAME',
        dollar,
        `"\${${body}}" is not a variable name or "\${NAME:-default}"`,
      );
    }
    return close + 1;
  }
}

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-default}`, `$$` and a leading `~` without throwing.
 * Returns every problem of the template, not only the first.
 */
export function tryExpand(template: string, variables: Variables, options: ExpandOptions = {}): ExpandResult {
  const expander = new Expander(template, toLookup(variables), options.home);
  const value = expander.run(0, template.length);
  return expander.problems.length === 0 ? { ok: true, value } : { ok: false, problems: expander.problems };
}

/**
 * Expands a template; throws a {@link TemplateError} listing every problem.
 *
 * @example
 * expand('${HOME}/builds/$NAME', { NAME: 'gpu', HOME: '/home/me' }) // '/home/me/builds/gpu'
 */
export function expand(template: string, variables: Variables, options: ExpandOptions = {}): string {
  const result = tryExpand(template, variables, options);
  if (!result.ok) throw TemplateError.fromProblems(template, result.problems);
  return result.value;
}

/** Makes a literal string safe to embed in a template: every `$` becomes `$$`. */
export function escapeTemplate(literal: string): string {
  return literal.replaceAll('$', '$$$$');
}

/** The names of the variables a template refers to (including those inside defaults), without repeats. */
export function referencedVariables(template: string): string[] {
  const names = new Set<string>();
  tryExpand(
    template,
    (name) => {
      names.add(name);
      return undefined;
    },
    { home: '' },
  );
  return [...names];
}
