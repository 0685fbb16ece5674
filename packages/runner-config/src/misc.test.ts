import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { minimalConfig } from '../test/config-text.js';
import { highlightToml } from './highlight.js';
import { locateKeys } from './locate.js';
import { parseConfig } from './parse.js';
import { REDACTED } from '@mr/node-kit/redact';
import { redactConfig, redactTokens } from './redact.js';
import { closest, editDistance } from './suggest.js';
import { stringifyToml, tomlKey, tomlString, tomlValue } from './toml-write.js';
import { configWarnings } from './warnings.js';

describe('toml writer', () => {
  it('writes any string so that TOML reads it back unchanged (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const value = parse(`v = ${tomlValue(s)}\n[k]\n${tomlKey(s)} = ${tomlString(s)}`) as {
          v: unknown;
          k: Record<string, unknown>;
        };
        return value.v === s && value.k[s] === s;
      }),
      { numRuns: 1000 },
    );
    // A thousand parses are pure CPU: on a busy two-core machine they took 9 s, over vitest's 5 s default.
  }, 60_000);

  it('writes nested tables, arrays of tables and dates that read back the same', () => {
    const document = {
      top: 1,
      list: ['a', 2, true],
      when: new Date('2025-01-01T00:00:00Z'),
      'odd key': { x: 'multi\nline "quoted" """ end"' },
      runners: [{ name: 'a', custom: { exec: 'x' } }, { name: 'b' }],
      empty: {},
      skipped: undefined,
    };
    const text = stringifyToml(document, ['header']);
    expect(text.startsWith('# header\n\n')).toBe(true);
    const { skipped, ...rest } = document;
    expect(parse(text)).toEqual(rest);
  });
});

describe('closest', () => {
  it.each([
    ['intervall', ['interval', 'other'], 'interval'],
    ['group-size', ['group_size'], 'group_size'],
    ['PULL_POLICY', ['pull_policy'], 'pull_policy'],
    ['runer', ['runner', 'runners'], 'runner'],
    ['excutor', ['executor'], 'executor'],
    ['zzz', ['interval'], undefined],
  ])('suggests for %j among %j: %j', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('tgas', 'tags')).toBe(1);
  });
});

describe('locateKeys', () => {
  it('finds keys, dotted keys and tables, skipping multi-line strings', () => {
    const lines = locateKeys('a = 1\n[t.u]\nb.c = """\nx = 1\n"""\n["q k"]\nd = 2\n');
    expect(Object.fromEntries([...lines].map(([k, v]) => [k.replaceAll('\0', '.'), v]))).toEqual({
      a: 1,
      t: 2,
      't.u': 2,
      't.u.b': 3,
      't.u.b.c': 3,
      'q k': 6,
      'q k.d': 7,
    });
  });
});

describe('highlightToml', () => {
  it('colours comments, headers, keys, strings and values, and only adds colour', () => {
    const text = '# c\n[t]\nk = "s" # c\nn = 1\nm = """\nx\n"""\n';
    const coloured = highlightToml(text);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(text);
    expect(coloured).toContain('\x1b[90m# c\x1b[0m');
    expect(coloured).toContain('\x1b[1;36m[t]\x1b[0m');
    expect(coloured).toContain('\x1b[34mk\x1b[0m = \x1b[32m"s"\x1b[0m');
    expect(coloured).toContain('\x1b[33m1\x1b[0m');
    expect(coloured).toContain('\x1b[32mx\x1b[0m');
  });
});

describe('redaction and warnings', () => {
  const config = parseConfig(minimalConfig(), { file: 'c', env: {} });

  it('redacts the management token and runner tokens', () => {
    expect(redactConfig(config).management_token).toBe(REDACTED);
    expect(config.management_token).toBe('glpat-secret-value');
    expect(redactTokens({ a: { id: 1, token: 'glrt-x' } })).toEqual({ a: { id: 1, token: REDACTED } });
  });

  it('warns about the placeholder token, instances that can never take a job and a missing [launch]', () => {
    expect(configWarnings(config)).toEqual([]);
    const odd = parseConfig(
      minimalConfig()
        .replace('glpat-secret-value', 'enter-your-token-here')
        .replace('tags = ["cpu"]', 'tags = []')
        .replace(/\[launch\][\s\S]*?(?=\[executor\])/, ''),
      { file: 'c', env: {} },
    );
    expect(configWarnings(odd)).toEqual([
      'management_token is still the placeholder of the example; configure and run need a real token',
      'runner instance "cpu" has no tags and run_untagged = false, so it can never take a job',
      'there is no [launch] section, so `run` cannot launch runners',
    ]);
  });
});
