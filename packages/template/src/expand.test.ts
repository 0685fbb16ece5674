import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { escapeTemplate, expand, referencedVariables, tryExpand } from './expand.js';
import { scopes } from './variables.js';

const vars = { NAME: 'gpu', HOME: '/home/me', EMPTY: '', A: 'a', B: 'b', UNI: 'ünï⚡', A_1: 'x' };
const home = '/home/me';

describe('expand', () => {
  it.each([
    ['', ''],
    ['plain text', 'plain text'],
    ['$NAME', 'gpu'],
    ['${NAME}', 'gpu'],
    ['pre-$NAME-post', 'pre-gpu-post'],
    ['$NAME.sif', 'gpu.sif'],
    ['$A_1', 'x'],
    ['$A$B', 'ab'],
    ['${A}${B}', 'ab'],
    ['${A}B', 'aB'],
    ['$AB', undefined],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${NAME:-fallback}', 'gpu'],
    ['${MISSING:-}', ''],
    ['${MISSING:-$NAME/x}', 'gpu/x'],
    ['${MISSING:-${A}${B}}', 'ab'],
    ['${MISSING:-a:b-c}', 'a:b-c'],
    ['$EMPTY', ''],
    ['$$', '$'],
    ['$$NAME', '$NAME'],
    ['$$SLURM_JOB_ID', '$SLURM_JOB_ID'],
    ['$$$NAME', '$gpu'],
    ['$', '$'],
    ['a $ b', 'a $ b'],
    ['$1', '$1'],
    ['$-x', '$-x'],
    ['cost: 5$', 'cost: 5$'],
    ['~', '/home/me'],
    ['~/builds', '/home/me/builds'],
    ['~user/builds', '~user/builds'],
    ['a/~/b', 'a/~/b'],
    [' ~', ' ~'],
    ['$UNI/ö', 'ünï⚡/ö'],
    ['ö$NAME', 'ögpu'],
    ['${UNI}', 'ünï⚡'],
  ])('expands %j to %j', (template, expected) => {
    if (expected === undefined) {
      expect(() => expand(template, vars, { home })).toThrow(TemplateError);
    } else {
      expect(expand(template, vars, { home })).toBe(expected);
    }
  });

  it.each([
    ['${', 'MR_TEMPLATE_UNTERMINATED_BRACE', 0],
    ['x${NAME', 'MR_TEMPLATE_UNTERMINATED_BRACE', 1],
    ['${MISSING:-${A}', 'MR_TEMPLATE_UNTERMINATED_BRACE', 0],
    ['${}', 'MR_TEMPLATE_BAD_NAME', 0],
    ['${1}', 'MR_TEMPLATE_BAD_NAME', 0],
    ['${A B}', 'MR_TEMPLATE_BAD_NAME', 0],
    ['${A:=b}', 'MR_TEMPLATE_BAD_NAME', 0],
    ['ab$MISSING', 'MR_TEMPLATE_UNDEFINED_VARIABLE', 2],
    ['${MISSING}', 'MR_TEMPLATE_UNDEFINED_VARIABLE', 0],
  ])('reports %j as %s at index %i', (template, code, index) => {
    const result = tryExpand(template, vars, { home });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems[0]).toMatchObject({ code, index });
    }
  });

  it('collects every undefined variable of a string, with positions', () => {
    const result = tryExpand('$X and ${Y} and $NAME and ${Z:-$W}', vars);
    expect(result).toEqual({
      ok: false,
      problems: [
        expect.objectContaining({
          code: 'MR_TEMPLATE_UNDEFINED_VARIABLE',
          variable: 'X',
          index: 0,
          position: 1,
        }),
        expect.objectContaining({ variable: 'Y', index: 7, position: 8 }),
        expect.objectContaining({ variable: 'W', index: 31 }),
      ],
    });
  });

  it('counts positions in characters, not UTF-16 units', () => {
    const result = tryExpand('⚡😀 $MISSING', vars);
    expect(!result.ok && result.problems[0]).toMatchObject({ index: 4, position: 4 });
  });

  it('throws a TemplateError that names the variables and keeps the template', () => {
    let error: unknown;
    try {
      expand('$NAME/$FOO/$BAR/$FOO', vars);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    const te = error as TemplateError;
    expect(te.code).toBe('MR_TEMPLATE_UNDEFINED_VARIABLE');
    expect(te.undefinedVariables).toEqual(['FOO', 'BAR']);
    expect(te.template).toBe('$NAME/$FOO/$BAR/$FOO');
    expect(te.message).toBe(
      'undefined variable "FOO" at position 7; undefined variable "BAR" at position 12; undefined variable "FOO" at position 17',
    );
  });

  it('uses code MR_TEMPLATE_SYNTAX when a problem is not an undefined variable', () => {
    expect(() => expand('${', vars)).toThrow(expect.objectContaining({ code: 'MR_TEMPLATE_SYNTAX' }));
  });

  it('reports a leading ~ as a problem when no home directory is given', () => {
    expect(tryExpand('~/x', vars)).toMatchObject({ ok: false, problems: [{ code: 'MR_TEMPLATE_NO_HOME' }] });
    expect(expand('a~/x', vars)).toBe('a~/x');
  });

  it('does not expand variables inside values (no second pass)', () => {
    expect(expand('$V', { V: '$NAME ~' }, { home })).toBe('$NAME ~');
  });

  it('evaluates a default only when it is needed', () => {
    expect(expand('${NAME:-$MISSING}', vars)).toBe('gpu');
  });

  it('accepts a Map or a function as the variable source', () => {
    expect(expand('$A', new Map([['A', 'm']]))).toBe('m');
    expect(expand('$A', (n) => n.toLowerCase())).toBe('a');
  });

  it('does not find inherited object properties', () => {
    expect(tryExpand('$constructor', {}).ok).toBe(false);
  });

  it('leaves strings without "$" or a leading "~" unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('$') && !s.startsWith('~')),
        (s) => expand(s, {}) === s,
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips any literal through escapeTemplate (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapeTemplate(s);
        const literal = s.startsWith('~') ? escaped.slice(1) : escaped;
        return expand(literal, {}) === (s.startsWith('~') ? s.slice(1) : s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scopes', () => {
  it('takes special variables first, then config variables, then the environment', () => {
    const lookup = scopes(
      { NAME: 'inst' },
      { NAME: 'cfg', V: 'cfg', W: '' },
      { V: 'env', W: 'env', E: 'env' },
    );
    expect(expand('$NAME $V $E [$W]', lookup)).toBe('inst cfg env []');
  });
});

describe('referencedVariables', () => {
  it('lists every name, including those inside defaults', () => {
    expect(referencedVariables('$A ${B:-$C} $$D $A ~/x')).toEqual(['A', 'B', 'C']);
  });
});
