import type { z } from 'zod';
import { configDocs, type KeyDoc } from './key-doc.js';
import { configSchema } from './schema.js';

// Reads the structure of the config schema (keys, nesting, defaults, docs) for the example, the reference
// documentation and error messages.

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

interface Unwrapped {
  inner: z.ZodType;
  doc: KeyDoc | undefined;
  optional: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
}

/** Strips optional/default wrappers, keeping the first documentation found from the outside in. */
function unwrap(schema: z.ZodType): Unwrapped {
  let inner = schema;
  let doc = configDocs.get(inner);
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(inner);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'default' || def.type === 'prefault') {
      hasDefault = true;
      defaultValue = def.defaultValue;
    } else break;
    inner = def.innerType!;
    doc ??= configDocs.get(inner);
  }
  return { inner, doc, optional, hasDefault, defaultValue };
}

/** One key (or section) of the config file. */
export interface SchemaKey {
  /** Its path; named tables use `<instance>` for the entry name. */
  path: string[];
  doc: KeyDoc;
  /** The file must set it. */
  required: boolean;
  /** The value used when the file does not set it (as written in the file), if any. */
  default?: unknown;
  hasDefault: boolean;
  /** `table`: a `[section]`; `named-tables`: `[runners.<instance>]`; `map`: a table of free keys; `value`: the rest. */
  kind: 'table' | 'named-tables' | 'map' | 'value';
  /** The keys of a table (of one entry, for named tables). */
  keys: SchemaKey[];
  /** For named tables: one entry (`[runners.<instance>]`). */
  entry?: SchemaKey;
}

function describe(schema: z.ZodType, path: string[]): SchemaKey {
  const { inner, doc, optional, hasDefault, defaultValue } = unwrap(schema);
  if (!doc) throw new Error(`config key ${path.join('.')} has no documentation`);
  const def = defOf(inner);
  let kind: SchemaKey['kind'] = 'value';
  let keys: SchemaKey[] = [];
  let entry: SchemaKey | undefined;
  if (def.type === 'object') {
    kind = 'table';
    keys = Object.entries(def.shape!).map(([k, s]) => describe(s, [...path, k]));
  } else if (def.type === 'record') {
    const value = unwrap(def.valueType!);
    if (defOf(value.inner).type === 'object') {
      kind = 'named-tables';
      entry = describe(def.valueType!, [...path, '<instance>']);
      keys = entry.keys;
    } else {
      kind = 'map';
    }
  }
  return {
    path,
    doc,
    required: !optional && !hasDefault,
    hasDefault,
    ...(hasDefault ? { default: defaultValue } : {}),
    kind,
    keys,
    ...(entry ? { entry } : {}),
  };
}

let root: SchemaKey | undefined;

/** The whole file as a tree of keys, in the order of the schema. */
export function configKeys(): SchemaKey {
  root ??= { ...describe(configSchema, []), path: [] };
  return root;
}

/** Every key and section, depth first. */
export function allConfigKeys(): SchemaKey[] {
  const out: SchemaKey[] = [];
  const visit = (key: SchemaKey) => {
    for (const k of key.keys) {
      out.push(k);
      visit(k);
    }
  };
  visit(configKeys());
  return out;
}

/** The key at a path of a parsed file (with instance names), if the schema documents one; not array elements. */
export function keyAt(path: readonly PropertyKey[]): SchemaKey | undefined {
  let key = configKeys();
  for (const segment of path) {
    if (key.kind === 'table') {
      const next = key.keys.find((k) => k.path[k.path.length - 1] === segment);
      if (!next) return undefined;
      key = next;
    } else if (key.kind === 'named-tables' && key.entry) {
      key = { ...key.entry, path: [...key.path, String(segment)] };
    } else {
      return undefined;
    }
  }
  return key;
}
