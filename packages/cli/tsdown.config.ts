import { defineConfig } from 'tsdown';
import { baseConfig as common } from '../../tsdown.base.ts';

export default defineConfig([
  // The library entry (main, paths, errors) for tooling, with types.
  { ...common, entry: ['src/index.ts'], dts: true, sourcemap: true, clean: false },
  // The command line (loaded by bin/gitlab-meta-runner.cjs) and the demo's local batch system: commands load
  // yargs, zod and the other packages from node_modules, each only when it runs.
  {
    ...common,
    entry: ['src/main.ts', 'src/demo/local-batch-bin.ts'],
    dts: false,
    sourcemap: false,
    clean: false,
    minify: true,
    outputOptions: { chunkFileNames: 'cli-[name]-[hash].js' },
  },
  // The executor hot path (gitlab-runner starts `gitlab-meta-runner executor ...` about ten times per job):
  // CommonJS, so that the bin can require it without starting Node's ES module loader, with the executor,
  // the zod-free [executor] loader, @mr/template and @mr/node-kit inlined (smol-toml is required as its single-file
  // CommonJS build).
  {
    ...common,
    format: 'cjs',
    // Deliberate: CommonJS here is what spares this path the ES module loader.
    checks: { ...common.checks, legacyCjs: false },
    entry: ['src/executor-fast.ts'],
    dts: false,
    sourcemap: false,
    clean: false,
    minify: true,
    shims: true,
    noExternal: [
      /^@mr\/(apptainer-executor|template|logger|node-kit)(\/|$)/,
      /^@mr\/runner-config\/executor$/,
    ],
    // zod is loaded only by the lazy chunk that explains a bad [executor] section with the full schema.
    external: ['zod'],
    inlineOnly: [],
    // Workspace packages that get inlined come from their sources.
    inputOptions: { resolve: { conditionNames: ['@mr/source', 'import', 'node', 'default'] } },
    outputOptions: {
      chunkFileNames: 'hot-[name]-[hash].cjs',
      // Every step needs the error classes: one chunk for them, not one per package.
      codeSplitting: {
        groups: [{ name: 'errors', test: /[\\/](node-kit|apptainer-executor)[\\/]src[\\/]errors\.ts$/ }],
      },
    },
  },
]);
