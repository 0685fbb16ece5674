#!/usr/bin/env node
// `mr-apptainer-executor`: gitlab-runner starts it for every step of every job, so it stays tiny: check
// Node, enable the compile cache, then load the executor (bundled as CommonJS: the config step loads two
// small files).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: mr-apptainer-executor needs Node.js 20.19 or newer; this is ${process.version}\n`,
  );
  process.exit(process.env.SYSTEM_FAILURE_EXIT_CODE ? Number(process.env.SYSTEM_FAILURE_EXIT_CODE) : 1);
}
// Node 22.1+ can cache compiled code between starts (loading node:module costs more than it saves before).
if (major >= 22)
  (process.getBuiltinModule('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// The bin is built as CommonJS (no ES module loader to start); the import below becomes a require.
import('./standalone.js')
  .then(({ standaloneMain }) => standaloneMain(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
