// The executable side of the demo's local batch system (see local-batch.ts).
import { localBatchMain } from './local-batch.js';

process.exitCode = await localBatchMain(process.argv.slice(2));
