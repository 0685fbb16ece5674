export { type BinName, binPath, binSource, writeDevBin } from './dev-bin.js';
export { ensureBuilt, staleBuilds } from './build.js';
export { packageDir, repoRoot, sourceNodeArgs, tsxLoader } from './paths.js';
export { type BinProcess, type RunBinOptions, runBin, runCli } from './run-bin.js';
export { makeTempDir, removeTempDirs } from './temp-dir.js';
export * from './apptainer-stand-in.js';
export * from './custom-executor-driver.js';
export { slurmUnavailable } from './slurm.js';
export * from './step-survivors.js';
