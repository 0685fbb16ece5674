#!/usr/bin/env node
// `mr-apptainer-executor`: gitlab-runner starts it for every step of every job, so it stays tiny: check
// Node, enable the compile cache, then load the executor (bundled as CommonJS: the config step loads two
// small files). Whatever fails before the step's own work (an old Node, a crash while loading or running)
// exits with $SYSTEM_FAILURE_EXIT_CODE, so gitlab-runner retries instead of blaming the job's script.
const systemFailure = () => {
  const code = Number(process.env.SYSTEM_FAILURE_EXIT_CODE);
  return process.env.SYSTEM_FAILURE_EXIT_CODE && Number.isInteger(code) ? code : 1;
};
const crash = (error: unknown) => {
  process.stderr.write(`error: mr-apptainer-executor crashed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(systemFailure());
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: mr-apptainer-executor needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(systemFailure());
}
// Node 22.1+ can cache compiled code between starts (loading node:module costs more than it saves before).
if (major >= 22)
  (process.getBuiltinModule('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// The bin is built as CommonJS (no ES module loader to start); the import below becomes a require.
import('./standalone.js')
  .then(({ standaloneMain }) => standaloneMain(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  }, crash);
