import { defineConfig } from 'tsdown';
import { libraryConfig } from '../../tsdown.base.ts';

// One entry per module, so that `@mr/node-kit/lock` loads the lock and what it needs, nothing else.
export default defineConfig(
  libraryConfig([
    'src/index.ts',
    'src/errors.ts',
    'src/atomic-write.ts',
    'src/duration.ts',
    'src/size.ts',
    'src/lock.ts',
    'src/proc.ts',
    'src/process-tree.ts',
    'src/redact.ts',
  ]),
);
