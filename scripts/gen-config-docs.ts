// Writes docs/configuration.md from the config schema of @mr/runner-config; with --check, only compares and
// exits 1 when the file is stale. Run from sources: `pnpm docs:config` (see package.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configReferenceMarkdown } from '../packages/runner-config/src/reference.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
const expected = configReferenceMarkdown();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== expected) {
    process.stderr.write(
      'docs/configuration.md does not match the config schema in packages/runner-config; run `pnpm docs:config` and commit the result\n',
    );
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date\n');
} else {
  writeFileSync(target, expected);
  process.stdout.write(`wrote ${target}\n`);
}
