import type { UserConfig } from 'tsdown';

/** Build settings every package shares: ESM for Node 20.19+, `.js` files, declarations and source maps. */
export const baseConfig = {
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  fixedExtension: false,
} as const satisfies UserConfig;

/** A library build of the given entries into `dist/`. */
export function libraryConfig(entry: string[]): UserConfig {
  return { ...baseConfig, entry, dts: true, sourcemap: true, clean: true };
}
