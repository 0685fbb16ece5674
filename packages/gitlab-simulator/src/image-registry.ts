// Images for the apptainer stand-in: tiny root filesystems made from a static busybox, and a local "registry"
// of them (one directory per image reference) that the stand-in pulls from and, isolated with bubblewrap,
// runs image stages in.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether bubblewrap can start a process in a separate root here. */
export function bwrapAvailable(): boolean {
  return spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A statically linked busybox to build images from (Debian's busybox-static), or undefined. */
export function findStaticBusybox(): string | undefined {
  for (const path of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(path)) continue;
    // A dynamically linked busybox would need the host's libraries inside the image.
    const file = spawnSync('sh', ['-c', `LC_ALL=C ldd "$1" 2>&1`, 'ldd', path], { encoding: 'utf8' });
    if (/not a dynamic executable|statically linked/.test(file.stdout)) return path;
  }
  return undefined;
}

/**
 * Why image stages cannot run isolated here (no bubblewrap, or no static busybox to make images from), or
 * undefined when they can.
 */
export function isolationUnavailable(): string | undefined {
  if (!bwrapAvailable()) return 'bubblewrap (bwrap) is not installed';
  if (!findStaticBusybox()) return 'no static busybox (Debian package busybox-static) is installed';
  return undefined;
}

/**
 * Makes a tiny image root filesystem at `dir` from a static busybox (`busybox --install -s` links, plus
 * /bin/sh and /bin/bash running busybox's shell) and returns `dir`. Throws when no busybox is installed.
 */
export function buildBusyboxRootfs(dir: string, busybox = findStaticBusybox() ?? '/bin/busybox'): string {
  for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'dev', 'tmp', 'etc', 'root', 'home'])
    mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const installed = spawnSync('/usr/sbin/chroot', [dir, '/bin/busybox', '--install', '-s'], {
    encoding: 'utf8',
  });
  if (installed.status !== 0) {
    // Without chroot rights: link the applets busybox lists, all in /bin.
    const list = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
    if (list.status !== 0) throw new Error(`${busybox} --list failed: ${list.stderr}`);
    for (const applet of list.stdout.split('\n').filter(Boolean))
      if (!existsSync(join(dir, 'bin', applet))) symlinkSync('busybox', join(dir, 'bin', applet));
  }
  if (!existsSync(join(dir, 'bin/sh'))) symlinkSync('busybox', join(dir, 'bin/sh'));
  // A busybox without a `bash` applet answers "applet not found" through a link: bash is its sh instead.
  if (!existsSync(join(dir, 'bin/bash'))) {
    writeFileSync(join(dir, 'bin/bash'), '#!/bin/busybox sh\nexec /bin/busybox sh "$@"\n');
    chmodSync(join(dir, 'bin/bash'), 0o755);
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return dir;
}

/**
 * The registry directory of an image reference: `alpine:3.20`, `docker://alpine:3.20` and
 * `docker://docker.io/library/alpine:3.20` are all `<registry>/alpine:3.20` (Docker Hub's host and `library/`
 * are implied, as in docker references); a reference without a tag gets `:latest`.
 */
export function registryImageDir(registry: string, source: string): string {
  const reference = source.replace(/^[a-z]+:\/\//, '').replace(/^(?:index\.)?docker\.io\/(?:library\/)?/, '');
  const tagged = /:[^/]+$/.test(reference) || reference.includes('@') ? reference : `${reference}:latest`;
  return join(registry, tagged);
}

/**
 * Makes a local image registry at `dir` holding a busybox root filesystem for each of `images` (references
 * like `alpine:3.20`); each image has `/etc/mr-image` naming it, so a stage can tell which image it runs in.
 * Returns `dir`.
 */
export function buildImageRegistry(dir: string, images: readonly string[]): string {
  for (const image of images) {
    const rootfs = buildBusyboxRootfs(registryImageDir(dir, image));
    writeFileSync(join(rootfs, 'etc/mr-image'), `${image}\n`);
  }
  return dir;
}
