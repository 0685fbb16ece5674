import { configKeys, type SchemaKey } from './schema-keys.js';
import { tomlKey, tomlPath, tomlValue } from './toml-write.js';

const WIDTH = 100;

/** Wraps text into `# ` comment lines of at most {@link WIDTH} characters. */
export function commentLines(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '#';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line.length > 1 && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '#';
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return lines;
}

const templateSections = new Set(['launch', 'executor', 'runner']);
const isArray = (key: SchemaKey) => key.doc.type.startsWith('array');
const isTemplateString = (key: SchemaKey) =>
  templateSections.has(key.path[0]!) && /^(string|array of strings)$/.test(key.doc.type);

/** The sentences about expansion and defaults that follow a key's description. */
export function keyFacts(key: SchemaKey): string[] {
  const facts: string[] = [];
  switch (key.doc.expansion) {
    case 'instance':
      facts.push(isArray(key) ? 'Each entry is variable-expanded.' : 'Variable-expanded.');
      break;
    case 'job':
      facts.push('Variable-expanded, also with variables that exist only when the job runs.');
      break;
    case 'environment':
      facts.push('Expanded from the environment when it contains "$".');
      break;
    default:
      if (isTemplateString(key)) facts.push('Not variable-expanded.');
  }
  if (key.doc.requirement) facts.push(`${key.doc.requirement}.`);
  else if (key.hasDefault && key.kind === 'value') facts.push(`Default: ${tomlValue(key.default)}.`);
  else if (!key.required && key.kind === 'value' && !key.doc.description.includes('Unset:'))
    facts.push('Optional.');
  return facts;
}

function keyLines(key: SchemaKey): string[] {
  const name = tomlKey(key.path[key.path.length - 1]!);
  const lines = commentLines([key.doc.description, ...keyFacts(key)].join(' '));
  if (key.doc.example !== undefined) {
    lines.push(`${name} = ${tomlValue(key.doc.example)}`);
  } else {
    const shown = key.doc.commented !== undefined ? key.doc.commented : key.default;
    if (shown === undefined) throw new Error(`config key ${key.path.join('.')} has no example value`);
    lines.push(...`${name} = ${tomlValue(shown)}`.split('\n').map((l) => `# ${l}`));
  }
  return lines;
}

function tableLines(table: SchemaKey, path: string[], out: string[]): void {
  for (const key of table.keys) {
    if (key.kind === 'value') out.push(...keyLines(key));
  }
  for (const key of table.keys) {
    const name = key.path[key.path.length - 1]!;
    if (key.kind === 'table') {
      const lines = [`[${tomlPath([...path, name])}]`];
      tableLines(key, [...path, name], lines);
      // An optional table added by this rewrite is shown commented out, like an optional key.
      const off = key.doc.added && !key.required;
      out.push(
        '',
        ...commentLines(key.doc.description),
        ...(off ? lines.map((l) => (l.startsWith('#') ? l : `# ${l}`)) : lines),
      );
    } else if (key.kind === 'map') {
      out.push('', ...commentLines([key.doc.description, ...keyFacts(key)].join(' ')));
      // A map with only a commented sample (an optional section) is shown commented out.
      const hidden = key.doc.example === undefined && key.doc.commented !== undefined ? '# ' : '';
      out.push(`${hidden}[${tomlPath([...path, name])}]`);
      const entries = (key.doc.example ?? key.doc.commented ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(entries)) out.push(`${hidden}${tomlKey(k)} = ${tomlValue(v)}`);
    } else if (key.kind === 'named-tables' && key.entry) {
      const entryName = key.doc.exampleKey ?? 'example';
      out.push('', ...commentLines(`${key.doc.description} ${key.entry.doc.description}`));
      out.push(`[${tomlPath([...path, name, entryName])}]`);
      tableLines(key.entry, [...path, name, entryName], out);
    }
  }
}

/**
 * The documented example config file: every key with a comment. Keys of the original tool are set to the
 * values of its example; keys added since are shown commented out with their default (or a sample value),
 * so the example's settings equal the original example's.
 */
export function exampleConfig(): string {
  const out = [
    ...commentLines(
      'Config file of gitlab-meta-runner. Keys shown commented out are optional; their line shows the default or a sample value. Values marked "Variable-expanded" may use $VARIABLE, ${VARIABLE} and ${VARIABLE:-default}; write $$ for a literal $. Durations are seconds or strings like "90s", "10m", "7d".',
    ),
    '',
  ];
  tableLines(configKeys(), [], out);
  return `${out.join('\n')}\n`;
}
