import { NodeKitError } from '@mr/node-kit/errors';
import { writeFileAtomic } from '@mr/node-kit/atomic-write';
import { ConfigError } from './errors.js';
import { exampleConfig } from './example.js';

/**
 * Writes the documented example config to `file` (mode 0600: it will hold a token), creating its directory.
 * Never overwrites: an existing file is a {@link ConfigError} `MR_CONFIG_EXISTS` and stays as it was.
 */
export async function writeExampleConfig(file: string): Promise<void> {
  try {
    await writeFileAtomic(file, exampleConfig(), { mode: 0o600, mkdir: true, overwrite: false });
  } catch (error) {
    if (error instanceof NodeKitError && error.code === 'MR_WRITE_EXISTS') {
      throw new ConfigError('MR_CONFIG_EXISTS', `${file} already exists; it was not changed`, {
        file,
        hint: 'name another file with --config-file, or run gitlab-meta-runner show-example-config to see the example',
        cause: error,
      });
    }
    throw error;
  }
}
