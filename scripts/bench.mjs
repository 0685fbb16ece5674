// Runs every benchmark script `packages/*/bench/*.bench.ts` from sources, one after another, and prints a
// summary of the RESULT lines they print. A benchmark prints lines of the form
//   RESULT <name> <value> <unit> target=<text> ok=<true|false>
// measured side by side in the same run (ratios, not absolute timings). Usage: pnpm bench [filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2] ?? '';
const tsx = join(
  dirname(createRequire(join(root, 'packages/test-support/package.json')).resolve('tsx/package.json')),
  'dist/loader.mjs',
);

const files = [];
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
}
// The filter looks at the path inside the repository, not at where the checkout lives.
const selected = files.filter((f) => f.slice(root.length + 1).includes(filter));
if (selected.length === 0) {
  console.log('no benchmarks yet');
  process.exit(0);
}
const results = [];
for (const file of selected) {
  console.log(`\n## ${file.slice(root.length + 1)}`);
  const run = spawnSync(process.execPath, ['--conditions=@mr/source', '--import', tsx, '--expose-gc', file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  process.stdout.write(run.stdout);
  for (const line of run.stdout.split('\n')) if (line.startsWith('RESULT ')) results.push(line.slice(7));
  if (run.status !== 0) results.push(`${file}: exited ${run.status}`);
}
console.log('\n## summary');
for (const r of results) console.log(r);
