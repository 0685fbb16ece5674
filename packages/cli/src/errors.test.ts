import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTOR_ERROR_CODES } from '@mr/apptainer-executor';
import { GITLAB_ERROR_CODES } from '@mr/gitlab-api';
import { LAUNCHER_ERROR_CODES } from '@mr/launcher';
import { NODE_KIT_ERROR_CODES } from '@mr/node-kit/errors';
import { REGISTRATION_ERROR_CODES } from '@mr/registration';
import { RUNNER_CONFIG_ERROR_CODES } from '@mr/runner-config';
import { TEMPLATE_ERROR_CODES } from '@mr/template';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES, EXIT, exitCodeFor, UsageError } from './errors.js';

/** Every code each package declares; `MR_GITLAB_HTTP_<status>` stands for one code per HTTP status. */
const codesByPackage: Record<string, readonly string[]> = {
  '@mr/cli': CLI_ERROR_CODES,
  '@mr/node-kit': NODE_KIT_ERROR_CODES,
  '@mr/template': TEMPLATE_ERROR_CODES,
  '@mr/runner-config': RUNNER_CONFIG_ERROR_CODES,
  '@mr/gitlab-api': [...GITLAB_ERROR_CODES, 'MR_GITLAB_HTTP_<status>'],
  '@mr/registration': REGISTRATION_ERROR_CODES,
  '@mr/launcher': LAUNCHER_ERROR_CODES,
  '@mr/apptainer-executor': EXECUTOR_ERROR_CODES,
};
const allCodes = Object.values(codesByPackage).flat();

/** The table under "Error codes and exit codes" in docs/troubleshooting.md: code → exit code. */
function documentedExitCodes(): Map<string, number> {
  const doc = readFileSync(join(import.meta.dirname, '../../../docs/troubleshooting.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Error codes and exit codes'));
  if (!section) throw new Error('docs/troubleshooting.md has no "Error codes and exit codes" section');
  const table = new Map<string, number>();
  for (const line of section.split('\n')) {
    const row = /^\| `(MR_[A-Z0-9_<>a-z]+)` \| (\d+) \|/.exec(line);
    if (row) table.set(row[1]!, Number(row[2]));
  }
  return table;
}

/** The codes a row stands for: itself, or a few HTTP statuses for `MR_GITLAB_HTTP_<status>`. */
const instances = (code: string) =>
  code.endsWith('<status>')
    ? [400, 401, 403, 404, 422, 429, 500, 502, 503, 504].map((s) => code.replace('<status>', String(s)))
    : [code];

describe('exit codes', () => {
  const documented = documentedExitCodes();

  it('never lets two packages declare the same code', () => {
    expect(allCodes.length).toBe(new Set(allCodes).size);
  });

  it.each(allCodes)('documents %s and exits with the documented code', (code) => {
    expect(documented.has(code), `${code} is missing from docs/troubleshooting.md`).toBe(true);
    for (const instance of instances(code))
      expect(exitCodeFor({ code: instance })).toBe(documented.get(code));
  });

  it('documents no code that no package declares', () => {
    expect([...documented.keys()].filter((code) => !allCodes.includes(code))).toEqual([]);
  });

  it('anchors the usage prefixes at a whole word: MR_CONFIGURE_ is not MR_CONFIG_', () => {
    expect(exitCodeFor({ code: 'MR_CONFIGURE_TOKENS_UNWRITABLE' })).toBe(EXIT.failure);
    expect(exitCodeFor({ code: 'MR_CONFIG_INVALID' })).toBe(EXIT.usage);
    expect(exitCodeFor({ code: 'MR_TEMPLATES_X' })).toBe(EXIT.failure);
    expect(exitCodeFor(new UsageError('bad'))).toBe(EXIT.usage);
    expect(exitCodeFor(new Error('no code'))).toBe(EXIT.failure);
  });
});
