import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The list of test projects: one per package, each running its own tests against its sources. Projects
// extend the root config, which resolves workspace imports through the `@mr/source` export condition.
const packagesDir = join(import.meta.dirname, 'packages');

export default readdirSync(packagesDir)
  .filter((name) => existsSync(join(packagesDir, name, 'package.json')))
  .sort()
  .map((name) => ({
    extends: true as const,
    root: join(packagesDir, name),
    test: { name: `@mr/${name}` },
  }));
