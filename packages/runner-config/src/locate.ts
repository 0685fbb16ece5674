// Finds the line of each key in TOML text, for error messages. Best effort: a simple line scanner that knows
// table headers, (dotted) keys and multi-line strings; it never fails, it may only miss a key.

const keyPart = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const dottedKey = new RegExp(String.raw`^\s*(${keyPart}(?:\s*\.\s*${keyPart})*)\s*=`);
const header = new RegExp(String.raw`^\s*\[\[?\s*(${keyPart}(?:\s*\.\s*${keyPart})*)\s*\]\]?`);
const partRegex = new RegExp(keyPart, 'g');

function splitKey(text: string): string[] {
  return (text.match(partRegex) ?? []).map((part) => {
    if (part.startsWith('"')) {
      try {
        return JSON.parse(part) as string;
      } catch {
        return part.slice(1, -1);
      }
    }
    return part.startsWith("'") ? part.slice(1, -1) : part;
  });
}

/** Maps each key path (segments joined by NUL) to its 1-based line. Tables map to their header line. */
export function locateKeys(text: string): Map<string, number> {
  const lines = text.split(/\r?\n/);
  const found = new Map<string, number>();
  let table: string[] = [];
  let inMultiline: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      continue;
    }
    const head = header.exec(line);
    if (head) {
      table = splitKey(head[1]!);
      for (let n = 1; n <= table.length; n++) {
        const key = table.slice(0, n).join('\0');
        if (!found.has(key)) found.set(key, i + 1);
      }
      continue;
    }
    const assignment = dottedKey.exec(line);
    if (!assignment) continue;
    const path = [...table, ...splitKey(assignment[1]!)];
    for (let n = table.length + 1; n <= path.length; n++) {
      const key = path.slice(0, n).join('\0');
      if (!found.has(key)) found.set(key, i + 1);
    }
    const rest = line.slice(assignment[0].length);
    for (const quote of ['"""', "'''"]) {
      const start = rest.indexOf(quote);
      if (start !== -1 && rest.indexOf(quote, start + 3) === -1) inMultiline = quote;
    }
  }
  return found;
}

/** The line of the closest enclosing key of `path` that the text names, if any. */
export function lineOf(lines: Map<string, number>, path: readonly PropertyKey[]): number | undefined {
  const keys = path.filter((p): p is string => typeof p === 'string');
  for (let n = keys.length; n > 0; n--) {
    const line = lines.get(keys.slice(0, n).join('\0'));
    if (line !== undefined) return line;
  }
  return undefined;
}
