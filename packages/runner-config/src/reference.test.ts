import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@mr/test-support';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';
import { configReferenceMarkdown } from './reference.js';
import { allConfigKeys } from './schema-keys.js';

describe('configReferenceMarkdown', () => {
  const markdown = configReferenceMarkdown();

  it('documents every key with its type', () => {
    for (const key of allConfigKeys()) {
      if (key.kind === 'table' || key.kind === 'named-tables') continue;
      expect(markdown).toContain(`### \`${key.path.join('.')}\`\n\n**Type:** ${key.doc.type}`);
    }
  });

  it('is what docs/configuration.md holds (run `pnpm docs:config` after changing the schema)', () => {
    expect(readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8')).toBe(markdown);
  });
});

describe('configJsonSchema', () => {
  it('describes the file as written, rejecting unknown keys', () => {
    const schema = configJsonSchema() as {
      required: string[];
      oneOf: unknown[];
      additionalProperties: boolean;
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >;
    };
    expect(schema.required).toEqual(['name', 'hostname', 'management_token', 'runners', 'poll', 'runner']);
    expect(schema.oneOf).toEqual([
      { required: ['project'] },
      { required: ['projects'] },
      { required: ['group'] },
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.poll?.properties?.interval?.description).toMatch(/pending jobs/);
    expect(schema.properties.executor?.description).toMatch(/apptainer/);
    expect(JSON.stringify(schema)).toContain('"default":"7d"');
  });
});
