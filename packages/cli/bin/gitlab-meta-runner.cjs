#!/usr/bin/env node
// The `gitlab-meta-runner` command. Tiny on purpose: check Node, enable the compile cache, then load only
// what the command needs. gitlab-runner starts `executor` steps about ten times per job, so they go to a
// CommonJS bundle (no ES module loader, no yargs, no zod); every other command loads the ES module CLI.
'use strict';
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(1);
}
require('node:module').enableCompileCache?.();
const argv = process.argv.slice(2);
const fast = argv.includes('executor')
  ? require('../dist/executor-fast.cjs').runExecutorFast(argv)
  : undefined;
Promise.resolve(fast)
  .then((code) => (code === undefined ? import('../dist/main.js').then((m) => m.main(argv)) : code))
  .then((code) => {
    process.exitCode = code;
  });
