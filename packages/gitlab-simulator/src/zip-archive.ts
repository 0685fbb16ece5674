// Zip archives as gitlab-runner's helpers write them: zip is the default format of caches
// (commands/helpers/cache_archiver.go createZipFile: any --compression-format other than tarzstd/zipzstd is
// zip, gitlab-runner v19.3.0) and of artifacts (commands/helpers/artifacts_uploader.go createBodyProvider:
// the default format is zip, named `<name>.zip`). The entries are written as helpers/archives/zip_create.go
// does: relative paths in sorted order (commands/helpers/archive/ziplegacy/zip_legacy_archiver.go),
// directories as `name/` entries, files deflated, symlinks stored with their target as content, Unix modes in
// the external attributes, names flagged UTF-8 (0x800).
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** One entry of a zip archive. */
export interface ZipEntry {
  /** Relative path; directories end with `/`. */
  name: string;
  /** Unix mode with the file type bits (0o100644, 0o40755, 0o120777). */
  mode: number;
  /** The content (a symlink's target for a symlink). */
  data: Buffer;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** The entries for `paths` (relative to `base`, each walked recursively), sorted by name. */
export function collectEntries(base: string, paths: readonly string[]): ZipEntry[] {
  const entries = new Map<string, ZipEntry>();
  const add = (path: string) => {
    const name = normalize(path).replace(/\/+$/, '');
    if (name === '.' || entries.has(name) || entries.has(`${name}/`)) return;
    const full = join(base, name);
    const stat = lstatSync(full);
    if (stat.isDirectory()) {
      entries.set(`${name}/`, { name: `${name}/`, mode: stat.mode, data: Buffer.alloc(0) });
      for (const child of readdirSync(full)) add(join(name, child));
    } else if (stat.isSymbolicLink()) {
      entries.set(name, { name, mode: stat.mode, data: Buffer.from(readlinkSync(full)) });
    } else if (stat.isFile()) {
      entries.set(name, { name, mode: stat.mode, data: readFileSync(full) });
    }
    // Pipes, sockets and devices are left out, as zip_create.go does.
  };
  for (const path of paths) add(path);
  return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A zip archive of `entries`. */
export function zipArchive(entries: readonly ZipEntry[], date = new Date()): Buffer {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const isFile = (entry.mode & S_IFMT) !== S_IFDIR && (entry.mode & S_IFMT) !== S_IFLNK;
    const body = isFile ? deflateRawSync(entry.data) : entry.data;
    const method = isFile ? 8 : 0;
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by Unix (3), zip 2.0: the external attributes carry the Unix mode.
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(day, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const dosDirectory = (entry.mode & S_IFMT) === S_IFDIR ? 0x10 : 0;
    central.writeUInt32LE(((entry.mode << 16) | dosDirectory) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The entries of a zip archive (stored or deflated entries; what zipArchive and gitlab-runner write). */
export function readZip(archive: Buffer): ZipEntry[] {
  let end = archive.length - 22;
  while (end >= 0 && archive.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error('damaged zip central directory');
    const method = archive.readUInt16LE(at + 10);
    const size = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extra = archive.readUInt16LE(at + 30);
    const comment = archive.readUInt16LE(at + 32);
    const madeBy = archive.readUInt16LE(at + 4) >> 8;
    const external = archive.readUInt32LE(at + 38);
    const local = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString();
    const dataStart = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(dataStart, dataStart + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported zip method ${method}`);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    const unixMode = madeBy === 3 ? external >>> 16 : 0;
    const mode = unixMode || (name.endsWith('/') ? S_IFDIR | 0o755 : 0o100644);
    entries.push({ name, mode, data });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** Writes the entries of a zip archive below `dir`; an entry that would land outside `dir` is refused. */
export function extractZip(archive: Buffer, dir: string): string[] {
  const names: string[] = [];
  for (const entry of readZip(archive)) {
    const target = resolve(dir, entry.name);
    const inside = relative(resolve(dir), target);
    if (isAbsolute(entry.name) || inside.startsWith('..'))
      throw new Error(`${entry.name}: a zip entry outside the extraction directory`);
    const type = entry.mode & S_IFMT;
    if (type === S_IFDIR) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      if (type === S_IFLNK) {
        rmSync(target, { force: true });
        symlinkSync(entry.data.toString(), target);
      } else writeFileSync(target, entry.data, { mode: entry.mode & 0o7777 });
    }
    names.push(entry.name);
  }
  return names;
}
