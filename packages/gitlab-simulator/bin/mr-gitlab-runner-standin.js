#!/usr/bin/env node
// The installed `mr-gitlab-runner-standin`. The real entry is dist/runner-standin-bin.js (made by the build);
// this file is in git so that the command exists, and `pnpm install` can link it, before the first build.
await import('../dist/runner-standin-bin.js');
