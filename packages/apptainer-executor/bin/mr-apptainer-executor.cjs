#!/usr/bin/env node
// The installed `mr-apptainer-executor`. The bundled bin is dist/bin.cjs (made by the build); this file is in
// git so that the command exists, and `pnpm install` can link it, before the first build. One require of a
// CommonJS file: no ES module loader, nothing else loaded. A damaged installation is a system failure for
// gitlab-runner (it retries), like every failure before the step's work.
'use strict';
try {
  require('../dist/bin.cjs');
} catch (error) {
  process.stderr.write(`error: mr-apptainer-executor cannot load: ${error?.stack ?? error}\n`);
  const code = Number(process.env.SYSTEM_FAILURE_EXIT_CODE);
  process.exit(process.env.SYSTEM_FAILURE_EXIT_CODE && Number.isInteger(code) ? code : 1);
}
