// `@mr/node-kit`: the Node helpers gitlab-meta-runner's packages share. Each module is also its own entry
// (`@mr/node-kit/lock`, ...), so that a caller loads only what it uses.
export { writeFileAtomic, type WriteFileAtomicOptions } from './atomic-write.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  MetaRunnerError,
  type MetaRunnerErrorOptions,
  NODE_KIT_ERROR_CODES,
  NodeKitError,
  type NodeKitErrorCode,
} from './errors.js';
export { forEachLimited } from './for-each-limited.js';
export {
  type AcquireOptions,
  acquireLock,
  DEFAULT_LOCK_TIMING,
  type HeldLock,
  isLockLive,
  type LockOptions,
  type LockOwner,
  type LockTiming,
  lockStaleReason,
  readLockOwner,
  tryAcquireLock,
} from './lock.js';
export { listProcesses, type ProcessStat, processAlive, processRunning, processStat } from './proc.js';
export { descendants, signalAll, signalGroup } from './process-tree.js';
export { containsSecret, MIN_SECRET_LENGTH, REDACTED, Redactor, redactText } from './redact.js';
export { formatSize, parseSize } from './size.js';
