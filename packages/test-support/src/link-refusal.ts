// A file system that refuses hard links, for the processes of a test: an LD_PRELOAD library whose link()
// and linkat() fail with a chosen errno for new names below one directory, and pass everything else to
// the C library. It plays what FUSE, SMB and object-store mounts answer (EPERM, ENOTSUP) and what a
// failing NFS server answers (EIO), which no file system of a test machine does on its own. Node's fs.link
// reaches link() through libuv (uv__fs_link).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

const SOURCE = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int refused(const char *path) {
  const char *dir = getenv("MR_TEST_LINK_REFUSED_IN");
  if (!dir || !*dir || !path) return 0;
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static int code(void) {
  const char *e = getenv("MR_TEST_LINK_ERRNO");
  return e && *e ? atoi(e) : EPERM;
}

int link(const char *from, const char *to) {
  if (refused(to)) { errno = code(); return -1; }
  int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "link");
  return real(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags) {
  if (refused(to)) { errno = code(); return -1; }
  int (*real)(int, const char *, int, const char *, int) =
      (int (*)(int, const char *, int, const char *, int))dlsym(RTLD_NEXT, "linkat");
  return real(fromfd, from, tofd, to, flags);
}
`;

let library: string | null | undefined;

/** Builds the library once per process with `cc`; null when no C compiler is there. */
function build(): string | null {
  if (library === null || (library !== undefined && existsSync(library))) return library;
  const dir = makeTempDir('mr-link-refusal-');
  const source = join(dir, 'link-refusal.c');
  const out = join(dir, 'link-refusal.so');
  writeFileSync(source, SOURCE);
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', out, source, '-ldl'], { encoding: 'utf8' });
  library = cc.status === 0 ? out : null;
  return library;
}

/** Whether {@link linkRefusal} can work here (a C compiler and glibc's dynamic loader). */
export function linkRefusalUnavailable(): string | undefined {
  return build() ? undefined : 'no C compiler (cc) to build the link-refusing preload library';
}

/**
 * The environment that makes `link(2)` fail with `errno` (default EPERM, 1) for new names below `dir`, in
 * every process started with it.
 */
export function linkRefusal(dir: string, errno = 1): Record<string, string> {
  const so = build();
  if (!so) throw new Error(linkRefusalUnavailable());
  return { LD_PRELOAD: so, MR_TEST_LINK_REFUSED_IN: dir, MR_TEST_LINK_ERRNO: String(errno) };
}
