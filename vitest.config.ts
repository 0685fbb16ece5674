import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

// Workspace packages resolve to their TypeScript sources (the `@mr/source` export condition), as in the
// type check and in child processes started with tsx; no build is needed before testing.
const conditions = ['@mr/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@mr/source'] } },
  test: {
    projects,
    // Pure tests finish in milliseconds; the limit only matters when a busy machine starves the worker.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests talk to simulators on loopback: a proxy of the machine running them must not apply. An empty
    // lower-case variable hides the upper-case one (as for undici's EnvHttpProxyAgent); proxy tests pass
    // their own proxy variables explicitly.
    env: { http_proxy: '', https_proxy: '' },
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.MR_VITEST_JSON ?? 'vitest-report.json' },
  },
});
