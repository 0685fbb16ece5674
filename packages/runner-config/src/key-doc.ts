import { z } from 'zod';

/** How a string key is variable-expanded. */
export type Expansion =
  /** Per runner instance, with `$NAME`, `$THIS`, the instance's config_variables and the environment. */
  | 'instance'
  /** Like `instance`, but a variable that only exists when the job runs may stay unexpanded until then. */
  | 'job'
  /** Only from the environment, and only when the value contains `$`. */
  | 'environment'
  /** Taken as written. */
  | 'none';

/** Documentation of one key or section, attached to its schema; the example and docs/ are made from it. */
export interface KeyDoc {
  /** What the key does, for people (plain sentences; `code` in backticks). */
  description: string;
  /** The type in words: `string`, `array of strings`, `duration`, `table`, ... */
  type: string;
  /** What an error message says is expected, when `a(n) <type>` is not clear enough. */
  expected?: string;
  /** For strings: how the value is expanded. */
  expansion?: Expansion;
  /** The value the documented example sets. */
  example?: unknown;
  /** A value the example shows commented out (keys that are optional and unset by default). */
  commented?: unknown;
  /** For tables of named entries (`runners`): the entry name the example uses. */
  exampleKey?: string;
  /** For keys of which one of several must be set: says so, in place of "Required" or "Optional". */
  requirement?: string;
  /** A key added by this rewrite; the original tool does not know it. */
  added?: boolean;
}

/** The documentation registry of the config schema. */
export const configDocs = z.registry<KeyDoc>();

/** Attaches documentation to a schema and returns the schema. */
export function doc<S extends z.ZodType>(schema: S, meta: KeyDoc): S {
  configDocs.add(schema, meta);
  return schema;
}

/** In section descriptions: the variables every template has. */
export const THIS_AND_NAME = '`$NAME` (the instance name), `$THIS` (this program)';
