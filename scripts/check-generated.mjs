// Fails (exit 1) when a generated file in the repository is stale. CI runs it after lint and format.
// Each generator runs from TypeScript sources through tsx, like the tests do.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(
  dirname(createRequire(join(root, 'package.json')).resolve('tsx/package.json')),
  'dist',
  'loader.mjs',
);

const generators = [['scripts/gen-config-docs.ts', '--check']];

let failed = false;
for (const [script, ...args] of generators) {
  const run = spawnSync(
    process.execPath,
    ['--conditions=@mr/source', '--import', tsx, join(root, script), ...args],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (run.status !== 0) {
    process.stderr.write(`${script} ${args.join(' ')}: exited ${run.status ?? run.signal}\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
