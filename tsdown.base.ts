import type { UserConfig } from 'tsdown';

/**
 * Build settings every package shares: ESM for Node 20.19+, `.js` files. rolldown's plugin-timing warning is
 * off: it depends on how busy the machine is, not on the code, and CI (`failOnWarn`) would fail on it. (The
 * build scripts run `tsdown --logLevel warn`, so a build prints only warnings and errors.)
 */
export const baseConfig = {
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  fixedExtension: false,
  checks: { pluginTimings: false },
} as const satisfies UserConfig;

/** A library build of the given entries into `dist/`. */
export function libraryConfig(entry: string[]): UserConfig {
  return { ...baseConfig, entry, dts: true, sourcemap: true, clean: true };
}
