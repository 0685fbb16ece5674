#!/usr/bin/env node
// The `gitlab-meta-runner` command. Tiny on purpose: check Node, enable the compile cache, then load only
// what the command needs. gitlab-runner starts `executor` steps about ten times per job, so they go to a
// CommonJS bundle (no ES module loader, no yargs, no zod); every other command loads the ES module CLI.
// An `executor` step that fails before its own work (an old Node, a crash) exits with
// $SYSTEM_FAILURE_EXIT_CODE, so gitlab-runner retries instead of blaming the job's script.
'use strict';
const argv = process.argv.slice(2);
const executorStep = argv.includes('executor') && process.env.SYSTEM_FAILURE_EXIT_CODE !== undefined;
const failureCode = () => {
  const code = Number(process.env.SYSTEM_FAILURE_EXIT_CODE);
  return executorStep && Number.isInteger(code) ? code : 1;
};
if (executorStep) {
  const crash = (error) => {
    process.stderr.write(`error: gitlab-meta-runner executor crashed: ${error?.stack ?? String(error)}\n`);
    process.exit(failureCode());
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: gitlab-meta-runner needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(failureCode());
}
require('node:module').enableCompileCache?.();
const fast = argv.includes('executor')
  ? require('../dist/executor-fast.cjs').runExecutorFast(argv)
  : undefined;
Promise.resolve(fast)
  .then((code) => (code === undefined ? import('../dist/main.js').then((m) => m.main(argv)) : code))
  .then((code) => {
    process.exitCode = code;
  });
