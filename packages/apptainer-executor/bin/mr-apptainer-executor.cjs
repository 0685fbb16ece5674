#!/usr/bin/env node
// The installed `mr-apptainer-executor`. The bundled bin is dist/bin.cjs (made by the build); this file is in
// git so that the command exists, and `pnpm install` can link it, before the first build. One require of a
// CommonJS file: no ES module loader, nothing else loaded.
'use strict';
require('../dist/bin.cjs');
