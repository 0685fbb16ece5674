import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

export default defineConfig({
  test: {
    projects,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: process.env.MR_VITEST_JSON ?? 'vitest-report.json' },
  },
});
