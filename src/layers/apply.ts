/**
 * Unpacks one layer tar into a directory, streaming: runs inside a user
 * namespace as its root (the unpack worker), so owners are the image's own
 * ids, mapped. Whiteouts become what native overlayfs reads in a user
 * namespace: a 0/0 character device for `.wh.NAME`, the xattr
 * `user.overlay.opaque=y` for `.wh..wh..opq`.
 *
 * Path safety: an absolute name or a `..` component is refused; parents are
 * resolved inside the layer (an absolute symlink restarts at the layer's
 * root), and a symlink or hardlink that would lead a write outside the layer
 * is refused. Nothing is ever opened through a final symlink. A whiteout
 * must name a child of its directory (`.wh.`, `.wh..`, `.wh...` are refused).
 *
 * Later entries may replace what earlier ones made (a directory by a symlink
 * to the host, say), so nothing is done by path after the entry that made
 * it: a file's owner, mode and times are set through its open fd, and the
 * directories' times, set last, through fds opened beneath the layer's root
 * without following any symlink (a directory that is no longer there, or no
 * longer the same, keeps the time it has).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { posix } from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { Decompress } from 'fzstd';
import tar from 'tar-stream';

import { BurrowError, errnoCode, systemFailure, withPath } from '../errors.js';
import { S_IFCHR, S_IFIFO } from '../system/libc.js';
import type { LibcCalls } from '../system/sys.js';
import { writeAll } from '../system/files.js';
import { resolveInRoot, RootPathError } from '../system/rootpath.js';
import { sparseHeader, sparseWriter } from './sparse.js';
import { formatOverride, onlyOwnId, OVERRIDE_STAT } from './owners.js';

export interface ApplyResult {
  /** sha256 of the uncompressed tar */
  diffId: string;
  /** bytes of regular file content */
  size: number;
  warnings: string[];
}

const MAX_NAME = 4096;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function unsafe(message: string): BurrowError {
  return new BurrowError('E_LAYER_UNSAFE', message);
}

/** `a/b/./c/` -> `a/b/c`; refuses absolute names and `..`. */
export function cleanName(name: string): string {
  if (name.length > MAX_NAME) throw unsafe(`layer entry name is ${name.length} bytes long`);
  if (name.includes('\0')) throw unsafe('layer entry name holds a NUL byte');
  // The layer's own root, as `umoci insert` names it: not a path that leaves anything.
  if (/^[/.]+$/.test(name) && !name.includes('..')) return '';
  if (name.startsWith('/')) throw unsafe(`layer entry \`${name}\` has an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(`layer entry \`${name}\` has a \`..\` component`);
  return parts.join('/');
}

/**
 * The host path for `rel`'s parent directory inside `root`, following the
 * symlinks already unpacked as the container would (system/rootpath.ts);
 * refuses a path that climbs out of root.
 */
export function resolveParent(root: string, rel: string): string {
  try {
    return resolveInRoot(root, posix.dirname(rel), 'refuse');
  } catch (err) {
    if (!(err instanceof RootPathError)) throw err;
    throw unsafe(err.code === 'ELOOP' ? `layer entry \`${rel}\`: too many symbolic links` : `layer entry \`${rel}\` leads outside the layer`);
  }
}

function exists(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * What one unpack has made, so most entries cost no lstat (a Debian layer's
 * 6,800 entries cost more in lstat than in writing, measured): the unpack
 * starts in an empty directory, so a path it did not make is not there, and
 * a directory it made or checked stays a real directory (no symlink on the
 * way) until an entry removes it, which forgets it and all below it.
 */
interface Made {
  /** every path made (a path removed since may still be listed: then it is looked at) */
  paths: Set<string>;
  /** directories whose every component is a real directory */
  dirs: Set<string>;
}

function present(made: Made, path: string): ReturnType<typeof lstatSync> | undefined {
  return made.paths.has(path) ? exists(path) : undefined;
}

/** Makes room for a new entry at `path`: whatever is there goes (a directory stays for a directory). */
function clear(made: Made, path: string, keepDir: boolean): void {
  const st = present(made, path);
  if (!st) return;
  if (keepDir && st.isDirectory()) return;
  rmSync(path, { recursive: true, force: true });
  made.paths.delete(path);
  if (st.isDirectory()) for (const d of made.dirs) if (d === path || d.startsWith(`${path}/`)) made.dirs.delete(d);
}

function ensureDir(made: Made, path: string, mode: number): void {
  if (present(made, path)?.isDirectory()) return;
  clear(made, path, false);
  mkdirSync(path, { mode });
  made.paths.add(path);
}

/** Creates missing parents of `path` (inside the root already resolved). */
function ensureParents(made: Made, root: string, parentHost: string): void {
  if (parentHost === root || made.dirs.has(parentHost)) return;
  const rel = posix.relative(root, parentHost);
  let cur = root;
  for (const part of rel.split('/')) {
    cur = posix.join(cur, part);
    if (made.dirs.has(cur)) continue;
    const st = present(made, cur);
    if (!st) {
      mkdirSync(cur, { mode: 0o755 });
      made.paths.add(cur);
    } else if (!st.isDirectory()) return; // what is made in it fails, naming it (ENOTDIR)
    made.dirs.add(cur);
  }
}

/** The name a whiteout entry `.wh.NAME` deletes, refused unless it is a child of its directory. */
export function whiteoutTarget(entry: string, base: string): string {
  const name = base.slice(WHITEOUT.length);
  if (name === '' || name === '.' || name === '..')
    throw unsafe(`layer entry \`${entry}\` is a whiteout that names ${name === '' ? 'nothing' : name === '.' ? 'its own directory' : 'the directory above'}, not a file in it`);
  return name;
}

/**
 * lchown, or with `fd` fchown. An id the user namespace lacks is named, or,
 * where it maps only the user's own id (`asData`), left to the caller to keep
 * as data (layers/owners.ts): false then.
 */
function setOwner(path: string, uid: number, gid: number, fd: number | undefined, asData: boolean): boolean {
  try {
    if (fd === undefined) lchownSync(path, uid, gid);
    else fchownSync(fd, uid, gid);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EINVAL') {
      if (asData) return false;
      throw new BurrowError(
        'E_LAYER_IDS',
        `layer entry \`${path}\` is owned by ${uid}:${gid}, which the user namespace does not map (add subordinate ids: see /etc/subuid and /etc/subgid)`,
      );
    }
    throw err;
  }
}

/** zstd as a stream: Node 20's zlib has none; fzstd decompresses in JavaScript, chunk by chunk. */
function createZstdDecompress(): Transform {
  let push: ((data: Uint8Array) => void) | undefined;
  const decoder = new Decompress((data) => push?.(data));
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      push = (data) => this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      try {
        decoder.push(chunk);
        cb();
      } catch (err) {
        cb(new BurrowError('E_LAYER_FORMAT', `zstd: ${(err as Error).message}`));
      }
    },
    flush(cb) {
      push = (data) => this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(new BurrowError('E_LAYER_FORMAT', `zstd: ${(err as Error).message}`));
      }
    },
  });
}

/** Sniffs gzip/zstd at the start of a stream and decompresses as needed. */
function decompressor(first: Buffer): Transform | undefined {
  // Large output chunks: fewer callbacks, buffers and write calls per byte (measured: a third less CPU on big layers).
  if (first[0] === 0x1f && first[1] === 0x8b) return createGunzip({ chunkSize: 1 << 20 });
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) return createZstdDecompress();
  return undefined;
}

/** A layer's tar, whatever its compression (gzip, zstd or none: sniffed). */
export async function decompressed(input: Readable): Promise<Readable> {
  const { first, stream } = await peek(input);
  const decompress = decompressor(first);
  if (!decompress) return stream;
  stream.once('error', (err) => decompress.destroy(err));
  return stream.pipe(decompress);
}

async function peek(input: Readable): Promise<{ first: Buffer; stream: Readable }> {
  const out = new PassThrough();
  const first = await new Promise<Buffer>((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = input.read() as Buffer | null;
      if (chunk === null) return;
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = (): void => resolve(Buffer.alloc(0));
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', reject);
  });
  input.pipe(out);
  return { first, stream: out };
}

const O_DIRECTORY = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY;

/**
 * Sets each directory's time through an fd opened beneath `root` with no
 * symlink followed: a later entry may have made any part of the path a
 * symlink to the host. One that is gone, or is no longer the directory the
 * entry made, is left alone.
 */
function setDirectoryTimes(sys: LibcCalls, root: string, dirTimes: Map<string, { time: Date; ino: number }>): void {
  const rootFd = openSync(root, O_DIRECTORY | fsConstants.O_NOFOLLOW);
  try {
    for (const [rel, { time, ino }] of dirTimes) {
      let fd: number;
      try {
        fd = sys.openBeneath(rootFd, rel, O_DIRECTORY);
      } catch (err) {
        if (['ELOOP', 'ENOENT', 'ENOTDIR', 'EXDEV'].includes(errnoCode(err) ?? '')) continue;
        throw err;
      }
      try {
        if (fstatSync(fd).ino === ino) futimesSync(fd, time, time);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    closeSync(rootFd);
  }
}

/**
 * Unpacks the tar on `input` (plain, gzip or zstd) into `root`, which must
 * exist and be empty. `ownersAsData` (by default: when this user namespace
 * maps only the user's own id) keeps an owner the namespace cannot hold in
 * the file's override attribute (layers/owners.ts) instead of refusing it.
 */
export async function applyLayer(sys: LibcCalls, input: Readable, root: string, ownersAsData = onlyOwnId()): Promise<ApplyResult> {
  const { first, stream } = await peek(input);
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const warnings: string[] = [];
  let devicesSkipped = 0;
  let xattrWarned = false;
  let ownersWarned = false;
  let size = 0;
  const made: Made = { paths: new Set(), dirs: new Set([root]) };
  // Each directory's time, set at the end: by its path relative to root, resolved (the last entry for a path wins).
  const dirTimes = new Map<string, { time: Date; ino: number }>();

  extract.on('entry', (header, body, next) => {
    // An entry refused before its data is read: the extract, destroyed with the error, destroys this
    // stream with it too, and an 'error' no one listens to would end the process. The error reaches
    // the pipeline below through next().
    body.on('error', () => undefined);
    const handle = async (): Promise<void> => {
      const sparse = sparseHeader(header.pax as Record<string, string> | undefined, header.name);
      if (header.type === null) throw new BurrowError('E_LAYER_FORMAT', `layer entry \`${header.name}\` has a type burrow cannot unpack (old GNU sparse or unknown)`);
      const rel = cleanName(sparse ? sparse.name : header.name);
      // A parent known to be a real directory needs no resolving (no symlink can be on its way).
      const literalParent = posix.join(root, posix.dirname(rel));
      const host = rel === '' ? root : posix.join(made.dirs.has(literalParent) ? literalParent : resolveParent(root, rel), posix.basename(rel));
      const base = posix.basename(rel);
      const mode = (header.mode ?? 0o644) & 0o7777;
      const uid = header.uid ?? 0;
      const gid = header.gid ?? 0;
      const mtime = header.mtime ?? new Date(0);
      if (rel !== '') ensureParents(made, root, posix.dirname(host));

      if (base === OPAQUE) {
        const dir = posix.dirname(host);
        ensureDir(made, dir, 0o755);
        sys.lsetxattr(dir, 'user.overlay.opaque', Buffer.from('y'));
        body.resume();
        return;
      }
      if (base.startsWith(WHITEOUT)) {
        const target = posix.join(posix.dirname(host), whiteoutTarget(header.name, base));
        clear(made, target, false);
        sys.mknod(target, S_IFCHR | 0o000, 0n);
        made.paths.add(target);
        body.resume();
        return;
      }
      let fd: number | undefined; // a regular file's, open until its attributes are set
      switch (header.type) {
        case 'directory':
          if (rel === '') chmodSync(root, mode);
          else {
            ensureDir(made, host, mode);
            made.dirs.add(host);
          }
          break;
        case 'file':
        case 'contiguous-file': {
          clear(made, host, false);
          // Synchronous writes: a write stream per file costs more than the data (many small files).
          fd = openSync(host, 'wx', 0o600);
          made.paths.add(host);
          const out = fd;
          try {
            // A sparse file: its pieces at their offsets, the holes left as holes.
            const sink = sparse ? sparseWriter(out, sparse, rel) : { write: (chunk: Buffer) => writeAll(out, chunk), end: () => undefined };
            await new Promise<void>((resolve, reject) => {
              body.on('data', (chunk: unknown) => {
                try {
                  sink.write(chunk as Buffer);
                } catch (err) {
                  body.destroy(err as Error);
                }
              });
              body.once('end', () => {
                try {
                  sink.end();
                  resolve();
                } catch (err) {
                  reject(err as Error);
                }
              });
              body.once('error', reject);
            });
          } catch (err) {
            closeSync(out);
            throw withPath(err, host); // a write by fd names no file
          }
          size += sparse ? sparse.realSize : (header.size ?? 0);
          break;
        }
        case 'symlink':
          clear(made, host, false);
          symlinkSync(header.linkname ?? '', host);
          made.paths.add(host);
          break;
        case 'link': {
          const target = cleanName(header.linkname ?? '');
          const targetHost = posix.join(resolveParent(root, target), posix.basename(target));
          if (!exists(targetHost)) throw unsafe(`hardlink \`${rel}\` points at \`${target}\`, which is not in this layer`);
          clear(made, host, false);
          linkSync(targetHost, host);
          made.paths.add(host);
          body.resume();
          return; // a hard link shares its target's owner, mode and times
        }
        case 'fifo':
          clear(made, host, false);
          sys.mknod(host, S_IFIFO | mode, 0n);
          made.paths.add(host);
          break;
        case 'character-device':
        case 'block-device':
          devicesSkipped++;
          body.resume();
          return;
        default:
          throw new BurrowError('E_LAYER_FORMAT', `layer entry \`${rel}\` has a type burrow cannot unpack (${header.type})`);
      }
      body.resume();
      // Owner, mode, xattrs and times of what this entry just made (a file's through its fd).
      try {
        const owned = setOwner(host, uid, gid, fd, ownersAsData);
        // after chown, which clears setuid bits; `host` is what this entry just made, not a symlink
        if (fd !== undefined) fchmodSync(fd, mode);
        else if (header.type !== 'symlink') chmodSync(host, mode);
        // An owner this namespace lacks, as data (a symlink cannot carry it: it stays the user's).
        if (!owned && header.type !== 'symlink')
          try {
            sys.lsetxattr(host, OVERRIDE_STAT, formatOverride(uid, gid, mode));
          } catch (err) {
            if (!ownersWarned) warnings.push(`the owner ${uid}:${gid} of \`${rel}\` not kept (${(err as Error).message}): it is stored as yours`);
            ownersWarned = true;
          }
        for (const [key, value] of Object.entries(header.pax ?? {})) {
          if (!key.startsWith('SCHILY.xattr.')) continue;
          const name = key.slice('SCHILY.xattr.'.length);
          // (the override attribute is burrow's own record: a layer does not write it)
          if (name.startsWith('trusted.') || name.startsWith('user.overlay.') || name === OVERRIDE_STAT) continue;
          try {
            sys.lsetxattr(host, name, Buffer.from(value, 'latin1'));
          } catch (err) {
            if (!xattrWarned) warnings.push(`extended attribute ${name} on \`${rel}\` not kept: ${(err as Error).message}`);
            xattrWarned = true;
          }
        }
        if (header.type === 'directory') {
          const key = posix.relative(root, host);
          dirTimes.delete(key);
          dirTimes.set(key, { time: mtime, ino: lstatSync(host).ino });
        } else if (fd !== undefined) futimesSync(fd, mtime, mtime);
        else lutimesSync(host, mtime, mtime);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    };
    handle().then(
      () => next(),
      (err: unknown) => next(err as Error),
    );
  });

  const decompress = decompressor(first);
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [stream];
  if (decompress) stages.push(decompress);
  stages.push(hasher, extract);
  try {
    await pipeline(stages as unknown as [Readable, ...NodeJS.WritableStream[]]);
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    // A system call that failed (no space, a read-only disk): say which, not "a bug".
    if (typeof (err as { syscall?: unknown }).syscall === 'string')
      throw systemFailure(err, 'unpack the layer') ?? new BurrowError('E_LAYER', `unpack the layer: ${(err as Error).message}`, { cause: err });
    // tar-stream's and zlib's complaints: a damaged or hostile layer, not a bug of ours
    throw new BurrowError('E_LAYER_FORMAT', `layer: not a readable tar archive: ${(err as Error).message}`);
  }
  // Directory times last: unpacking into a directory changes its mtime.
  setDirectoryTimes(sys, root, dirTimes);
  if (devicesSkipped > 0) warnings.push(`${devicesSkipped} device node(s) skipped: a rootless container cannot create devices`);
  return { diffId: `sha256:${hash.digest('hex')}`, size, warnings };
}
