// ANSI colours for TOML text, for a terminal. Line based; it only needs to be right for well-formed TOML.

const RESET = '\x1b[0m';
const COMMENT = '\x1b[90m';
const HEADER = '\x1b[1;36m';
const KEY = '\x1b[34m';
const STRING = '\x1b[32m';
const LITERAL = '\x1b[33m';

const paint = (color: string, text: string) => (text ? `${color}${text}${RESET}` : '');

interface State {
  multiline?: '"""' | "'''" | undefined;
}

function stringEnd(line: string, start: number, quote: string): number {
  for (let i = start + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) return i + 1;
  }
  return line.length;
}

function paintValue(line: string, from: number, state: State): string {
  let out = '';
  let i = from;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '#') return out + paint(COMMENT, line.slice(i));
    const triple = line.startsWith('"""', i) ? '"""' : line.startsWith("'''", i) ? "'''" : undefined;
    if (triple) {
      const close = line.indexOf(triple, i + 3);
      if (close === -1) {
        state.multiline = triple;
        return out + paint(STRING, line.slice(i));
      }
      out += paint(STRING, line.slice(i, close + 3));
      i = close + 3;
    } else if (c === '"' || c === "'") {
      const end = stringEnd(line, i, c);
      out += paint(STRING, line.slice(i, end));
      i = end;
    } else if (/[A-Za-z0-9_+\-.:]/.test(c)) {
      let end = i;
      while (end < line.length && /[A-Za-z0-9_+\-.:]/.test(line[end]!)) end++;
      const isKey = /^\s*=/.test(line.slice(end));
      out += paint(isKey ? KEY : LITERAL, line.slice(i, end));
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** TOML text with ANSI colours: comments grey, table headers bold cyan, keys blue, strings green, other values yellow. */
export function highlightToml(text: string): string {
  const state: State = {};
  return text
    .split('\n')
    .map((line) => {
      if (state.multiline) {
        const close = line.indexOf(state.multiline);
        if (close === -1) return paint(STRING, line);
        const end = close + 3;
        state.multiline = undefined;
        return paint(STRING, line.slice(0, end)) + paintValue(line, end, state);
      }
      const trimmed = line.trimStart();
      if (trimmed.startsWith('#')) return paint(COMMENT, line);
      if (trimmed.startsWith('[')) {
        const hash = line.indexOf('#');
        return hash === -1
          ? paint(HEADER, line)
          : paint(HEADER, line.slice(0, hash)) + paint(COMMENT, line.slice(hash));
      }
      return paintValue(line, 0, state);
    })
    .join('\n');
}
