import { z } from 'zod';
import { configDocs } from './key-doc.js';
import { configSchema } from './schema.js';

/**
 * A JSON Schema (draft 2020-12) of the config file as written (before defaults), with every key's
 * description, for editors such as VS Code with a TOML extension (taplo, Even Better TOML).
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const doc = configDocs.get(ctx.zodSchema as unknown as z.ZodType);
      if (doc) ctx.jsonSchema.description = doc.description;
    },
  }) as Record<string, unknown>;
  // Exactly one of the keys that say what the config covers (checked in parse.ts, see scope.ts).
  schema.oneOf = [{ required: ['project'] }, { required: ['projects'] }, { required: ['group'] }];
  return schema;
}
