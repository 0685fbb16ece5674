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
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.MR_VITEST_JSON ?? 'vitest-report.json' },
  },
});
