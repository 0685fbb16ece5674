// A parser for the part of the GraphQL language (spec.graphql.org, October 2021) that clients of the
// simulator send: one query operation with variables, fields with aliases, arguments and selections. No
// fragments, directives, mutations or subscriptions: those are refused with a clear error.

/** A value in a query: a literal, a list, an input object or a variable. */
export type GqlValue =
  | { kind: 'variable'; name: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; values: GqlValue[] }
  | { kind: 'object'; fields: Record<string, GqlValue> };

export interface GqlLocation {
  line: number;
  column: number;
}

export interface GqlField {
  alias?: string | undefined;
  name: string;
  args: Record<string, GqlValue>;
  selections: GqlField[] | undefined;
  location: GqlLocation;
}

export interface GqlVariableDefinition {
  name: string;
  /** The type as written: `ID!`, `[CiJobStatus!]`, `String`. */
  type: string;
  defaultValue?: GqlValue | undefined;
}

export interface GqlOperation {
  name?: string | undefined;
  variables: GqlVariableDefinition[];
  selections: GqlField[];
}

/** A query the parser cannot read; GitLab answers these with a `message` and `locations`. */
export class GqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly location: GqlLocation,
  ) {
    super(message);
  }
}

interface Token {
  kind: 'punct' | 'name' | 'int' | 'float' | 'string' | 'end';
  text: string;
  location: GqlLocation;
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', ':', '$', '!', '=', '@', '&', '|']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const at = (index: number): GqlLocation => ({ line, column: index - lineStart + 1 });
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\uFEFF') i++;
    else if (c === '#') while (i < source.length && source[i] !== '\n') i++;
    else if (source.startsWith('...', i)) throw new GqlSyntaxError('fragments are not supported', at(i));
    else if (PUNCT.has(c)) tokens.push({ kind: 'punct', text: c, location: at(i++) });
    else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < source.length && /\w/.test(source[i]!)) i++;
      tokens.push({ kind: 'name', text: source.slice(start, i), location: at(start) });
    } else if (/[-\d]/.test(c)) {
      const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!match) throw new GqlSyntaxError(`Unexpected character "${c}"`, at(i));
      const float = match[2] !== undefined || match[3] !== undefined;
      tokens.push({ kind: float ? 'float' : 'int', text: match[0], location: at(i) });
      i += match[0].length;
    } else if (c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        const d = source[i];
        if (d === undefined || d === '\n') throw new GqlSyntaxError('Unterminated string', at(start));
        if (d === '"') break;
        if (d === '\\') {
          const e = source[i + 1];
          const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
          if (e === 'u') {
            text += String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            text += escapes[e ?? ''] ?? e ?? '';
            i += 2;
          }
        } else {
          text += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text, location: at(start) });
    } else throw new GqlSyntaxError(`Unexpected character "${c}"`, at(i));
  }
  tokens.push({ kind: 'end', text: '', location: at(i) });
  return tokens;
}

/** Parses a document holding one query operation (anonymous `{ ... }` or `query Name($v: T) { ... }`). */
export function parseQuery(source: string): GqlOperation {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const fail = (token: Token, what: string): never => {
    throw new GqlSyntaxError(
      `Parse error on ${token.kind === 'end' ? 'end of query' : JSON.stringify(token.text)}: expected ${what}`,
      token.location,
    );
  };
  const expect = (text: string) => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== text) fail(token, `"${text}"`);
  };
  const name = () => {
    const token = next();
    if (token.kind !== 'name') fail(token, 'a name');
    return token.text;
  };
  const isPunct = (text: string) => peek().kind === 'punct' && peek().text === text;

  const value = (): GqlValue => {
    const token = next();
    if (token.kind === 'punct' && token.text === '$') return { kind: 'variable', name: name() };
    if (token.kind === 'int') return { kind: 'int', value: Number(token.text) };
    if (token.kind === 'float') return { kind: 'float', value: Number(token.text) };
    if (token.kind === 'string') return { kind: 'string', value: token.text };
    if (token.kind === 'name') {
      if (token.text === 'true' || token.text === 'false')
        return { kind: 'boolean', value: token.text === 'true' };
      if (token.text === 'null') return { kind: 'null' };
      return { kind: 'enum', value: token.text };
    }
    if (token.kind === 'punct' && token.text === '[') {
      const values: GqlValue[] = [];
      while (!isPunct(']')) values.push(value());
      next();
      return { kind: 'list', values };
    }
    if (token.kind === 'punct' && token.text === '{') {
      const fields: Record<string, GqlValue> = {};
      while (!isPunct('}')) {
        const key = name();
        expect(':');
        fields[key] = value();
      }
      next();
      return { kind: 'object', fields };
    }
    return fail(token, 'a value');
  };

  const typeText = (): string => {
    let text: string;
    if (isPunct('[')) {
      next();
      text = `[${typeText()}]`;
      expect(']');
    } else text = name();
    if (isPunct('!')) {
      next();
      text += '!';
    }
    return text;
  };

  const selectionSet = (): GqlField[] => {
    expect('{');
    const fields: GqlField[] = [];
    while (!isPunct('}')) {
      if (peek().kind === 'end') fail(peek(), '"}"');
      if (isPunct('@')) throw new GqlSyntaxError('directives are not supported', peek().location);
      const location = peek().location;
      let fieldName = name();
      let alias: string | undefined;
      if (isPunct(':')) {
        next();
        alias = fieldName;
        fieldName = name();
      }
      const args: Record<string, GqlValue> = {};
      if (isPunct('(')) {
        next();
        while (!isPunct(')')) {
          const argName = name();
          expect(':');
          args[argName] = value();
        }
        next();
      }
      const selections = isPunct('{') ? selectionSet() : undefined;
      fields.push({ alias, name: fieldName, args, selections, location });
    }
    next();
    return fields;
  };

  const operation: GqlOperation = { variables: [], selections: [] };
  if (peek().kind === 'name') {
    const keyword = next();
    if (keyword.text !== 'query')
      throw new GqlSyntaxError(`${keyword.text} operations are not supported`, keyword.location);
    if (peek().kind === 'name') operation.name = name();
    if (isPunct('(')) {
      next();
      while (!isPunct(')')) {
        expect('$');
        const variable = name();
        expect(':');
        const type = typeText();
        let defaultValue: GqlValue | undefined;
        if (isPunct('=')) {
          next();
          defaultValue = value();
        }
        operation.variables.push({ name: variable, type, defaultValue });
      }
      next();
    }
  }
  operation.selections = selectionSet();
  if (peek().kind !== 'end')
    throw new GqlSyntaxError('only one operation per document is supported', peek().location);
  return operation;
}
