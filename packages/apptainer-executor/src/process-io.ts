import { fs } from './builtins.js';
import type { ExecutorIo } from './child-process.js';

/** Writes all of `text` to a file descriptor, waiting out a full non-blocking pipe. */
function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(fs.writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

/**
 * The process's own stdout and stderr, written synchronously to file descriptors 1 and 2. Unlike
 * `process.stdout`, this loads no stream machinery (a few milliseconds on every start), and children may
 * inherit the descriptors directly (`inherit`).
 */
export const processIo: ExecutorIo = {
  stdout: { write: (text: string) => writeAll(1, text) },
  stderr: { write: (text: string) => writeAll(2, text) },
  inherit: true,
};
