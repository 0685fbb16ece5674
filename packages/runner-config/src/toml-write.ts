// A small TOML writer with predictable output, for the files this tool generates and for show-config.

const bareKey = /^[A-Za-z0-9_-]+$/;

/** A key as TOML writes it: bare when possible, else quoted. */
export function tomlKey(key: string): string {
  return bareKey.test(key) ? key : tomlString(key);
}

/** A dotted key path (`runners."my gpu".tags`). */
export function tomlPath(keys: readonly string[]): string {
  return keys.map(tomlKey).join('.');
}

function escapeControls(text: string, keepNewlines: boolean): string {
  return text.replace(/[\x00-\x1f\x7f\\"]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return keepNewlines ? '"' : '\\"';
      case '\n':
        return keepNewlines ? '\n' : '\\n';
      case '\t':
        return keepNewlines ? '\t' : '\\t';
      case '\r':
        return '\\r';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

/** A one-line TOML basic string. */
export function tomlString(text: string): string {
  return `"${escapeControls(text, false)}"`;
}

/** A multi-line TOML basic string (`"""` on its own line first, so the text starts on the next line). */
export function tomlMultilineString(text: string): string {
  let body = escapeControls(text, true).replace(/"""/g, '""\\"');
  if (body.endsWith('"')) body = `${body.slice(0, -1)}\\"`;
  return `"""\n${body}"""`;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Any value as an inline TOML value. Strings with a newline become multi-line strings. */
export function tomlValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.includes('\n') ? tomlMultilineString(value) : tomlString(value);
    case 'number':
      if (Number.isNaN(value)) return 'nan';
      if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
      return String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `[${value.map((v) => (isTable(v) ? inlineTable(v) : tomlValue(v))).join(', ')}]`;
  if (isTable(value)) return inlineTable(value);
  throw new TypeError(`cannot write ${String(value)} as TOML`);
}

function inlineTable(table: Record<string, unknown>): string {
  const entries = Object.entries(table).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`).join(', ')} }`;
}

const isArrayOfTables = (value: unknown): value is Record<string, unknown>[] =>
  Array.isArray(value) && value.length > 0 && value.every(isTable);

function emitTable(
  lines: string[],
  keys: string[],
  table: Record<string, unknown>,
  arrayItem: boolean,
): void {
  const entries = Object.entries(table).filter(([, v]) => v !== undefined);
  const plain = entries.filter(([, v]) => !isTable(v) && !isArrayOfTables(v));
  const nested = entries.filter(([, v]) => isTable(v) || isArrayOfTables(v));
  if (keys.length > 0 && (arrayItem || plain.length > 0 || nested.length === 0)) {
    if (lines.length > 0) lines.push('');
    lines.push(arrayItem ? `[[${tomlPath(keys)}]]` : `[${tomlPath(keys)}]`);
  }
  for (const [key, value] of plain) lines.push(`${tomlKey(key)} = ${tomlValue(value)}`);
  for (const [key, value] of nested) {
    if (isArrayOfTables(value)) for (const item of value) emitTable(lines, [...keys, key], item, true);
    else emitTable(lines, [...keys, key], value as Record<string, unknown>, false);
  }
}

/**
 * Writes a whole TOML document: plain keys first, then `[tables]` and `[[arrays of tables]]`, in key order.
 * Undefined values are left out. `header` lines are written as comments at the top.
 */
export function stringifyToml(document: Record<string, unknown>, header: readonly string[] = []): string {
  const lines: string[] = [];
  emitTable(lines, [], document, false);
  const comments = header.map((line) => (line ? `# ${line}` : '#'));
  if (comments.length > 0 && lines.length > 0) comments.push('');
  return `${[...comments, ...lines].join('\n')}\n`;
}
