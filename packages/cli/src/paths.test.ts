import { describe, expect, it } from 'vitest';
import { defaultConfigFile, defaultDataDir, resolvePaths } from './paths.js';

describe('default paths', () => {
  it('follow XDG_CONFIG_HOME and XDG_DATA_HOME', () => {
    const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: '/data' };
    expect(defaultConfigFile(env)).toBe('/cfg/gitlab-meta-runner.toml');
    expect(defaultDataDir(env)).toBe('/data/gitlab-meta-runner');
  });

  it('fall back to ~/.config and ~/.local/share, ignoring relative XDG values', () => {
    const env = { HOME: '/home/u', XDG_CONFIG_HOME: 'relative' };
    expect(defaultConfigFile(env)).toBe('/home/u/.config/gitlab-meta-runner.toml');
    expect(defaultDataDir(env)).toBe('/home/u/.local/share/gitlab-meta-runner');
  });

  it('resolve explicit options against the working directory', () => {
    expect(
      resolvePaths(
        { configFile: 'c.toml', dataDir: '../d', verbose: 0, quiet: false },
        { HOME: '/h' },
        '/w/x',
      ),
    ).toEqual({ configFile: '/w/x/c.toml', dataDir: '/w/d', generatedConfigFile: undefined });
  });
});
