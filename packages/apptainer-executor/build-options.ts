import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserConfig } from 'tsdown';

const here = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as { version: string };

/** Options shared by the library and the bin builds (and the bin the tests bundle from the sources). */
export const common = {
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  fixedExtension: false,
  // No plugin-timing warning (see tsdown.base.ts).
  checks: { pluginTimings: false },
  define: { __MR_EXECUTOR_VERSION__: JSON.stringify(version) },
  // Workspace packages that get inlined (@mr/logger, and everything in the bin) come from their sources.
  inputOptions: { resolve: { conditionNames: ['@mr/source', 'import', 'node', 'default'] } },
} as const satisfies UserConfig;

/**
 * The bin: self-contained (smol-toml, @mr/template and @mr/logger inlined). The config step, the most
 * frequent, loads only `bin.js` and one chunk; the other steps load theirs on demand.
 */
export function binConfig(outDir: string): UserConfig {
  return {
    ...common,
    entry: { bin: join(here, 'src/bin.ts') },
    // CommonJS on purpose: it spares every start Node's ES module loader (a few ms of ~30).
    format: 'cjs',
    checks: { ...common.checks, legacyCjs: false },
    shims: true,
    outDir,
    dts: false,
    sourcemap: false,
    clean: false,
    // Less to parse on every start.
    minify: true,
    noExternal: [/.*/],
    // The only package from node_modules in the bundle (workspace packages come from their sources).
    inlineOnly: ['smol-toml'],
    outputOptions: { chunkFileNames: 'bin-[name]-[hash].cjs' },
  };
}
