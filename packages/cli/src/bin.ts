#!/usr/bin/env node
// The `gitlab-meta-runner` command. Kept tiny: check Node, enable the compile cache, then load only what the
// command needs (see main.ts).
import module from 'node:module';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(1);
}
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
