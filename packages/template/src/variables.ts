/** Where a template looks up variables: a function, a plain record or a Map. */
export type Variables =
  | ((name: string) => string | undefined)
  | Readonly<Record<string, string | undefined>>
  | ReadonlyMap<string, string>;

/** A variable source normalised to a function. */
export type VariableLookup = (name: string) => string | undefined;

const hasOwn = Object.prototype.hasOwnProperty;

/** Normalises any {@link Variables} to a lookup function. */
export function toLookup(variables: Variables): VariableLookup {
  if (typeof variables === 'function') return variables;
  if (variables instanceof Map) return (name) => variables.get(name);
  const record = variables as Readonly<Record<string, string | undefined>>;
  return (name) => (hasOwn.call(record, name) ? record[name] : undefined);
}

/**
 * Layers variable sources: the first source that defines a name wins.
 * `scopes(special, configVariables, process.env)` gives the lookup order of the config file.
 */
export function scopes(...layers: Variables[]): VariableLookup {
  const lookups = layers.map(toLookup);
  return (name) => {
    for (const lookup of lookups) {
      const value = lookup(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}
