import { defineConfig } from 'tsdown';
import { binConfig, common } from './build-options.ts';

export default defineConfig([
  // The library: `runExecutorStep` and friends for @mr/cli, and the settings reader; @mr/template stays a
  // dependency.
  { ...common, entry: ['src/index.ts', 'src/settings-entry.ts'], dts: true, sourcemap: true, clean: true },
  binConfig('dist'),
]);
