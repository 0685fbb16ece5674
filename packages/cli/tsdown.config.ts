import { defineConfig } from 'tsdown';
import { baseConfig as common } from '../../tsdown.base.ts';

export default defineConfig([
  // The library entry (main, paths, errors) for tooling, with types.
  { ...common, entry: ['src/index.ts'], dts: true, sourcemap: true, clean: false },
  // The bin and the demo's local batch system: commands load yargs, zod and the other packages from
  // node_modules, each only when it runs.
  {
    ...common,
    entry: ['src/bin.ts', 'src/demo/local-batch-bin.ts'],
    dts: false,
    sourcemap: false,
    clean: false,
    minify: true,
    outputOptions: { chunkFileNames: 'bin-[name]-[hash].js' },
  },
  // The executor hot path (gitlab-runner starts `gitlab-meta-runner executor ...` about ten times per job):
  // one file with the executor, the zod-free [executor] loader and @mr/template inlined (smol-toml is
  // required as its single-file CommonJS build); the bin imports it first, before anything else.
  {
    ...common,
    entry: ['src/executor-fast.ts'],
    dts: false,
    sourcemap: false,
    clean: false,
    minify: true,
    noExternal: [/^@mr\/(apptainer-executor|template|logger)(\/|$)/, /^@mr\/runner-config\/executor$/],
    // zod is loaded only by the lazy chunk that explains a bad [executor] section with the full schema.
    external: ['zod'],
    inlineOnly: [],
    // Workspace packages that get inlined come from their sources.
    inputOptions: { resolve: { conditionNames: ['@mr/source', 'import', 'node', 'default'] } },
    outputOptions: { chunkFileNames: 'hot-[name]-[hash].js' },
  },
]);
