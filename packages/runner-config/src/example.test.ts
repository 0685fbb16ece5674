import { describe, expect, it } from 'vitest';
import { originalExample } from '../test/config-text.js';
import { exampleConfig } from './example.js';
import { parseConfig } from './parse.js';
import { allConfigKeys } from './schema-keys.js';

describe('exampleConfig', () => {
  const example = exampleConfig();

  it('has the same settings as the original example', () => {
    const options = { file: 'x.toml', env: {} };
    expect(parseConfig(example, options)).toEqual(parseConfig(originalExample, options));
  });

  it('shows every key of the schema, each after a comment', () => {
    const lines = example.split('\n');
    for (const key of allConfigKeys()) {
      const name = key.path[key.path.length - 1]!;
      if (key.kind === 'named-tables') continue;
      const pattern =
        key.kind === 'value'
          ? new RegExp(`^(# )?${name} = `)
          : new RegExp(`^(# )?\\[${key.path.join('.').replace('<instance>', 'test-runner')}\\]$`);
      const index = lines.findIndex((line) => pattern.test(line));
      expect(index, `${key.path.join('.')} is in the example`).toBeGreaterThan(0);
      const before = lines[index - 1]!;
      expect(before.startsWith('# ') && !pattern.test(before), `${key.path.join('.')} has a comment`).toBe(
        true,
      );
    }
  });

  it('keeps every line within 100 characters except values', () => {
    const long = example.split('\n').filter((line) => line.startsWith('#') && line.length > 100);
    expect(long).toEqual([]);
  });

  it('matches the reviewed text (golden file)', async () => {
    await expect(example).toMatchFileSnapshot('../test/__snapshots__/example-config.toml');
  });
});
