#!/usr/bin/env node
// The `gitlab-meta-runner` command. Kept tiny: check Node, enable the compile cache, then load only what the
// command needs: `executor` (started by gitlab-runner about ten times per job) goes to its own bundle without
// yargs or zod; every other command goes through main.ts.
import { scanArgv } from './global-options.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(1);
}
// getBuiltinModule avoids the ES module wrapper of `node:module` on every start.
(process.getBuiltinModule('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const argv = process.argv.slice(2);
const scanned = scanArgv(argv);
let code: number | undefined;
if (scanned.simple && scanned.rest[0] === 'executor') {
  // A separately built bundle; importing through a function keeps the bin's own build from bundling it again.
  const load = (specifier: string) => import(specifier) as Promise<typeof import('./executor-fast.js')>;
  const { runExecutorFast } = await load('./executor-fast.js');
  code = await runExecutorFast(scanned);
}
if (code === undefined) {
  const { main } = await import('./main.js');
  code = await main(argv);
}
process.exitCode = code;
